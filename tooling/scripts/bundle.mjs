#!/usr/bin/env node
// Bundles a package's compiled entry points (tsc output in dist/) into dist/bundle/, one file per
// entry plus shared chunks. Loading one file instead of dozens of small ES modules saves a CLI command
// tens of milliseconds; dynamic import() calls stay separate chunks, so lazy code stays lazy.
// A directory stands for every .js file under it: a package's command files (dist/commands) are
// bundled as entries too, so oclif still finds one file per command, and a command shares its
// package's chunks with the module's entry instead of loading the package's files a second time.
// Usage: bundle.mjs <entry.js | directory>...   (paths relative to the package, inside dist/)
import {readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {build} from 'esbuild';

const entryPoints = process.argv.slice(2).flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path, {recursive: true})
        .filter((name) => name.endsWith('.js'))
        .sort()
        .map((name) => join(path, name))
    : [path],
);
if (entryPoints.length === 0) {
  process.stderr.write('usage: bundle.mjs <dist/entry.js | dist/directory>...\n');
  process.exit(2);
}
// Chunk names carry content hashes: clear old ones so dist/ holds only what the entries import.
rmSync('dist/bundle', {recursive: true, force: true});
const {metafile} = await build({
  entryPoints,
  outbase: 'dist',
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
checkRelativeUrls(metafile);

/**
 * A file that names another by a URL relative to itself (`new URL('../x.js', import.meta.url)`) finds
 * it from the bundle only if that URL leads to the same file from where its code lands (a shared chunk
 * in dist/bundle/ is as deep as dist/services/ was; a command file keeps its own depth). Fails the
 * build otherwise: the code would look in the wrong place at run time.
 */
function checkRelativeUrls({outputs}) {
  const wrong = [];
  for (const [output, {inputs}] of Object.entries(outputs)) {
    if (!output.endsWith('.js')) continue;
    for (const input of Object.keys(inputs)) {
      const source = readFileSync(input, 'utf8');
      for (const [, , url] of source.matchAll(/new URL\(\s*(['"`])(\.\.?\/[^'"`]*)\1\s*,\s*import\.meta\.url\s*\)/g)) {
        if (resolve(dirname(input), url) !== resolve(dirname(output), url))
          wrong.push(`${input}: '${url}' (its code is in ${output})`);
      }
    }
  }
  if (wrong.length > 0) {
    process.stderr.write(
      `bundle.mjs: relative URLs that would lead elsewhere from the bundle:\n  ${wrong.join('\n  ')}\n`,
    );
    process.exit(1);
  }
}
