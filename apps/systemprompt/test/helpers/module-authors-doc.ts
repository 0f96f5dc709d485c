// The package of docs/module-authors.md, written out from the doc alone as its reader would.
//
// The doc's convention: a fenced code block whose info string is `<language> file=<path>`
// (```ts file=src/index.ts) is the whole of that file of the package; every other block is an
// example and is not written. The doc's package.json links the host's @systemprompt/* for the build
// at a checkout in /opt/systemprompt-os and tells the reader to put their host's directory there.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const MODULE_AUTHORS_DOC = fileURLToPath(new URL('../../../../docs/module-authors.md', import.meta.url));
/** Where the doc's package.json takes the host's @systemprompt/* packages from. */
const DOC_HOST_PACKAGES = 'file:/opt/systemprompt-os/apps/systemprompt/node_modules/@systemprompt/';

/** Every file block of the doc: its path in the package and its text. */
export function docFileBlocks(markdown: string = readFileSync(MODULE_AUTHORS_DOC, 'utf8')): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, path, text] of markdown.matchAll(/^```[\w-]+ file=(\S+)\n([\s\S]*?)^```$/gm)) {
    if (files.has(path!)) throw new Error(`${path} appears twice in the doc`);
    files.set(path!, text!);
  }
  return files;
}

/**
 * Writes the doc's package into `directory`, its `file:` links pointing at `hostPackages` (the host's
 * directory holding @systemprompt/core and @systemprompt/database), and returns the files written.
 */
export function writeDocModule(directory: string, hostPackages: string): Map<string, string> {
  const files = docFileBlocks();
  const pjson = files.get('package.json') ?? '';
  if (!pjson.includes(DOC_HOST_PACKAGES))
    throw new Error(`the doc's package.json no longer links the host's packages at ${DOC_HOST_PACKAGES}`);
  files.set('package.json', pjson.replaceAll(DOC_HOST_PACKAGES, `file:${hostPackages}/`));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(directory, path)), {recursive: true});
    writeFileSync(join(directory, path), text);
  }
  return files;
}
