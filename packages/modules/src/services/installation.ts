import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {promisify} from 'node:util';
import {unavailable} from '@systemprompt/core';

const run = promisify(execFile);

/**
 * How this CLI was installed, which decides how it is updated: an npm install (global, or in a
 * project's node_modules) is updated with npm; a git checkout (this repository) with git and pnpm.
 */
export type Installation =
  | {kind: 'npm'; root: string; global: boolean; prefix: string}
  | {kind: 'git'; root: string; top: string}
  | {kind: 'other'; root: string};

export function installationOf(root: string): Installation {
  const parent = dirname(root);
  const scoped = basename(parent).startsWith('@');
  const modulesDirectory = scoped ? dirname(parent) : parent;
  if (basename(modulesDirectory) === 'node_modules') {
    const above = dirname(modulesDirectory);
    // A global install lives in <prefix>/lib/node_modules (POSIX) or <prefix>/node_modules (Windows).
    const global = basename(above) === 'lib' || process.platform === 'win32';
    return {kind: 'npm', root, global, prefix: basename(above) === 'lib' ? dirname(above) : above};
  }
  for (let directory = root; ; directory = dirname(directory)) {
    if (existsSync(join(directory, '.git'))) return {kind: 'git', root, top: directory};
    if (dirname(directory) === directory) return {kind: 'other', root};
  }
}

export async function git(top: string, args: string[]): Promise<string> {
  try {
    return (await run('git', ['-C', top, ...args], {maxBuffer: 16 * 1024 * 1024})).stdout.trim();
  } catch (error) {
    const stderr = String((error as {stderr?: unknown}).stderr ?? error)
      .trim()
      .split('\n')[0];
    throw unavailable(`git ${args[0]} failed: ${stderr}`, {code: 'UPDATE_FAILED', cause: error});
  }
}

/** What a pull would bring to a checkout: the commits behind its upstream and the migration files they add. */
export interface CheckoutChanges {
  head: string;
  upstream: string | null;
  behind: number;
  migrations: string[];
}

/** Compares the checkout with its upstream branch as last fetched (`fetch` first fetches it). */
export async function checkoutChanges(top: string, options: {fetch: boolean}): Promise<CheckoutChanges> {
  const head = await git(top, ['rev-parse', 'HEAD']);
  let upstream: string | null;
  try {
    upstream = await git(top, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}']);
  } catch {
    return {head, upstream: null, behind: 0, migrations: []};
  }
  if (options.fetch) await git(top, ['fetch', '--quiet']);
  const behind = Number(await git(top, ['rev-list', '--count', 'HEAD..@{u}']));
  const added = behind
    ? await git(top, ['diff', '--name-only', '--diff-filter=A', 'HEAD', '@{u}', '--', ':(glob)**/src/migrations/*.ts'])
    : '';
  const migrations = added
    .split('\n')
    .filter(Boolean)
    // git names files with '/' on every platform.
    .map((file) => file.split('/').at(-1)!.replace(/\.ts$/, ''))
    .sort();
  return {head, upstream, behind, migrations};
}
