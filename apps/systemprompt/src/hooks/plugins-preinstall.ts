import {readFileSync, realpathSync} from 'node:fs';
import {mkdir, readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import type {Hook} from '@oclif/core';
import {writeFileAtomic} from '@systemprompt/core';

/**
 * A module package names @systemprompt/core (and other @systemprompt/* packages) as peerDependencies:
 * they are not on the public registry, and a module must run on the host's single copy. Before npm
 * installs a plugin, this points those names in the user-plugin directory's package.json at the host's
 * own packages (`file:` links), so npm checks the peer ranges for real and never fetches them. The
 * links are rewritten on every install, so a moved or upgraded host is followed.
 */
export function hostPackages(appRoot: string): Record<string, string> {
  const pjson = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as {dependencies?: Record<string, string>};
  const require = createRequire(join(appRoot, 'package.json'));
  const links: Record<string, string> = {};
  for (const name of Object.keys(pjson.dependencies ?? {}).filter((dependency) => dependency.startsWith('@systemprompt/'))) {
    links[name] = `file:${realpathSync(dirname(require.resolve(`${name}/package.json`)))}`;
  }
  return links;
}

export async function linkHostPackages(dataDirectory: string, appRoot: string): Promise<void> {
  const file = join(dataDirectory, 'package.json');
  await mkdir(dataDirectory, {recursive: true});
  let pjson: {dependencies?: Record<string, string>; oclif?: unknown; private?: boolean} = {};
  try {
    pjson = JSON.parse(await readFile(file, 'utf8')) as typeof pjson;
  } catch {
    pjson = {private: true, oclif: {schema: 1, plugins: []}};
  }
  pjson.dependencies = {...pjson.dependencies, ...hostPackages(appRoot)};
  await writeFileAtomic(file, `${JSON.stringify(pjson, null, 2)}\n`);
}

const hook: Hook<'plugins:preinstall'> = async function () {
  await linkHostPackages(this.config.dataDir, this.config.root);
};

export default hook;
