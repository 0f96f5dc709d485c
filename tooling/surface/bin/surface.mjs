#!/usr/bin/env node
// surface update | check: the CLI's public surface (command snapshot, --json schemas, docs/commands.md).
// `update` regenerates and writes it; `check` regenerates it in memory and compares (exit 1 on a difference).
import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {checkSurface, defaultPaths, formatReport, generate, updateSurface} from '../lib/surface.mjs';

const USAGE = 'Usage: surface update|check [--root DIR]\n';

function workspaceRoot(from) {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

const out = (text) => text && process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const err = (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

async function main(argv) {
  const [action, ...rest] = argv;
  const rootIndex = rest.indexOf('--root');
  const root = rootIndex >= 0 && rest[rootIndex + 1] ? resolve(rest[rootIndex + 1]) : workspaceRoot(process.cwd());
  if (action !== 'update' && action !== 'check') {
    err(USAGE);
    return 2;
  }
  const started = performance.now();
  const paths = defaultPaths(root);
  const generated = await generate(root);
  for (const dir of generated.stale) {
    err(
      `Warning: ${dir.slice(root.length + 1)} has command sources newer than its oclif.manifest.json: the snapshot is of its last build (pnpm run build).`,
    );
  }
  const seconds = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const counts = `${generated.commands.commands.length} commands`;
  if (action === 'update') {
    const result = updateSurface({generated, paths});
    out(formatReport(result, {paths, updated: true}));
    if (result.unreleased.length > 0) {
      err('Nothing written.');
      return 1;
    }
    out(
      result.written.length > 0
        ? `Wrote ${result.written.length} file${result.written.length > 1 ? 's' : ''} (${counts}, ${seconds}).`
        : `The surface is up to date (${counts}, ${seconds}).`,
    );
    return 0;
  }
  const result = checkSurface({generated, paths});
  if (result.ok) {
    out(`The surface is up to date (${counts}, their --json schemas and docs/commands.md; ${seconds}).`);
    return 0;
  }
  out(formatReport(result, {paths}));
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    err(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
