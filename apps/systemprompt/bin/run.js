#!/usr/bin/env node
// The systemprompt CLI. `--version` is answered before oclif is imported: it is the one command
// people run in loops and health checks, and importing oclif alone costs more than Node's start-up.
import {readFileSync} from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`systemprompt/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // SYSTEMPROMPT_HOME moves everything, user-installed plugins included (oclif reads these three).
  const home = process.env.SYSTEMPROMPT_HOME?.trim();
  if (home) {
    for (const [kind, sub] of [['DATA', 'data'], ['CONFIG', 'config'], ['CACHE', 'cache']]) process.env[`SYSTEMPROMPT_${kind}_DIR`] ??= `${home}/${sub}`;
  }
  // Run the compiled commands, never TypeScript sources, whatever NODE_ENV says.
  globalThis.oclif = {...globalThis.oclif, enableAutoTranspile: false};
  const {execute} = await import('@oclif/core/execute');
  await execute({dir: import.meta.url});
}
