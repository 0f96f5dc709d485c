#!/usr/bin/env node
// Publishes the workspace's public packages to an npm registry given by URL: each package whose
// current version that registry does not hold yet (changeset publish, which runs pnpm publish, so
// workspace: ranges become real versions). Versions and changelogs come before, from the pending
// changesets: `pnpm run version`, then commit, then this.
//
// Usage: pnpm run release -- --registry URL [--tag TAG] [--no-git-tag] [--no-build]
//   --registry URL  where to publish (required: a release never goes to a default by accident);
//                   its credentials come from your npm configuration (npm login --registry URL)
//   --tag TAG       the dist-tag (default latest)
//   --no-git-tag    do not create the git tags of the published versions
//   --no-build      publish what is built (the build is cached by turbo, so it is quick to keep)
import {spawnSync} from 'node:child_process';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const fail = (message) => {
  process.stderr.write(`release: ${message}\n`);
  process.exit(2);
};
const valueOf = (name) => {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (!value || value.startsWith('--')) fail(`${name} needs a value`);
  return value;
};
const known = new Set(['--registry', '--tag', '--no-git-tag', '--no-build']);
for (const [index, arg] of args.entries())
  if (arg.startsWith('--') && !known.has(arg)) fail(`unknown option ${arg}`);
  else if (!arg.startsWith('--') && !['--registry', '--tag'].includes(args[index - 1])) fail(`unexpected ${arg}`);

const registry = valueOf('--registry');
if (!registry) fail('give the registry to publish to: pnpm run release -- --registry https://registry.npmjs.org/');
let url;
try {
  url = new URL(registry);
} catch {
  fail(`--registry ${registry} is not a URL`);
}
if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('--registry must be an http(s) URL');
const tag = valueOf('--tag') ?? 'latest';

const run = (command, commandArgs, env = {}) => {
  const result = spawnSync(command, commandArgs, {cwd: root, stdio: 'inherit', env: {...process.env, ...env}});
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
};

if (!args.includes('--no-build')) run('pnpm', ['run', 'build']);
const registryUrl = url.toString();
run(
  process.execPath,
  [
    join(root, 'node_modules', '@changesets', 'cli', 'bin.js'),
    'publish',
    '--tag',
    tag,
    ...(args.includes('--no-git-tag') ? ['--no-git-tag'] : []),
  ],
  {npm_config_registry: registryUrl},
);
