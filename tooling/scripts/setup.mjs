#!/usr/bin/env node
// One set-up for a fresh machine with only Node.js and npm: installs the pinned pnpm if needed,
// the dependencies from the lockfile (native addons compile against Node's own headers), and builds.
import {execSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';

const root = new URL('../..', import.meta.url);
const wanted = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).packageManager.split('@')[1];
const run = (command, env = {}) => execSync(command, {cwd: root, stdio: 'inherit', env: {...process.env, ...env}});
const current = (() => {
  try {
    return execSync('pnpm --version', {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  } catch {
    return undefined;
  }
})();
if (current !== wanted) {
  // corepack cannot verify its downloads on these machines; npm installs pnpm reliably.
  console.log(`Installing pnpm ${wanted} (found ${current ?? 'none'})`);
  run(`npm install -g pnpm@${wanted}`);
}
// better-sqlite3 has no prebuilt binary here and compiles from source against these headers.
const nodeHeaders = existsSync('/usr/include/node/node.h') ? {npm_config_nodedir: '/usr'} : {};
run('pnpm install --frozen-lockfile', nodeHeaders);
run('pnpm run build');
