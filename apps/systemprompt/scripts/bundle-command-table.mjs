#!/usr/bin/env node
// Bundles the command-table reader (dist/command-table/answer.js), with what it imports from
// @systemprompt/cli/catalog and @systemprompt/core/output, into dist/bundle/command-table/: the
// commands it answers are meant to start nearly as fast as Node itself, and loading one file instead
// of some fifteen small ES modules in three packages saves several milliseconds. cli:list's and
// cli:help's code stays a lazy chunk, so help output loads only the reader. YAML output is left to
// oclif (the yaml package is core's, not the app's, and is not bundled). The plugin snapshot's reader
// (dist/command-table/config-snapshot.js) is bundled alongside, for the commands oclif runs; oclif
// itself stays outside the bundle (it is loaded from its own files, or from the oclif pack).
import {rmSync} from 'node:fs';
import {build} from 'esbuild';

rmSync('dist/bundle', {recursive: true, force: true});
await build({
  entryPoints: ['dist/command-table/answer.js', 'dist/command-table/config-snapshot.js'],
  outbase: 'dist',
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['yaml', '@oclif/core', '@oclif/core/*'],
  logLevel: 'warning',
});
