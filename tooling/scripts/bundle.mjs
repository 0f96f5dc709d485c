#!/usr/bin/env node
// Bundles a package's compiled entry points (tsc output in dist/) into dist/bundle/, one file per
// entry plus shared chunks. Loading one file instead of dozens of small ES modules saves a CLI command
// tens of milliseconds; dynamic import() calls stay separate chunks, so lazy code stays lazy.
// Usage: bundle.mjs <entry.js>...   (paths relative to the package, inside dist/)
import {rmSync} from 'node:fs';
import {build} from 'esbuild';

const entryPoints = process.argv.slice(2);
if (entryPoints.length === 0) {
  process.stderr.write('usage: bundle.mjs <dist/entry.js>...\n');
  process.exit(2);
}
// Chunk names carry content hashes: clear old ones so dist/ holds only what the entries import.
rmSync('dist/bundle', {recursive: true, force: true});
await build({
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
  logLevel: 'warning',
});
