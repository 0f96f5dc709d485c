#!/usr/bin/env node
// The systemprompt CLI. `--version` is answered before oclif is imported: it is the one command
// people run in loops and health checks, and importing oclif alone costs more than Node's start-up.
// Commands that only read command metadata (help, cli:list, cli:help) are answered the same way,
// from a table that oclif's own output was recorded in (src/command-table).
import {readFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`systemprompt/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // SYSTEMPROMPT_HOME moves everything, user-installed plugins included (oclif reads these three).
  const home = process.env.SYSTEMPROMPT_HOME?.trim();
  if (home) {
    for (const [kind, sub] of [
      ['DATA', 'data'],
      ['CONFIG', 'config'],
      ['CACHE', 'cache'],
    ])
      process.env[`SYSTEMPROMPT_${kind}_DIR`] ??= `${home}/${sub}`;
  }
  // Only what may read nothing but command metadata looks at the table: help in any form, cli:list,
  // cli:help, or a word that may be a topic. Every other command goes straight to oclif.
  const [first = ''] = argv;
  const metadata =
    argv.length === 0 ||
    argv.includes('--help') ||
    argv.includes('-h') ||
    ['help', 'cli:list', 'cli:help'].includes(first) ||
    !/^-|:/.test(first);
  const appRoot = dirname(dirname(fileURLToPath(import.meta.url)));
  const outcome = metadata
    ? await (await import('../dist/bundle/command-table/answer.js')).answerFromCommandTable(argv, appRoot)
    : {answered: false};
  if (!outcome.answered) {
    // Run the compiled commands, never TypeScript sources, whatever NODE_ENV says.
    globalThis.oclif = {...globalThis.oclif, enableAutoTranspile: false};
    // oclif and what it requires from one prebuilt file with a code cache, not a hundred files (src/oclif-pack).
    (await import('../dist/oclif-pack/install.js')).installOclifPack();
    // Where oclif's config comes from (src/command-table): a missing or stale table is rebuilt from the
    // config this run loads, and oclif runs with that config. Otherwise oclif starts from the plugins it
    // found last time when none of their files changed since (the plugin snapshot), instead of reading
    // every plugin's files again; a missing or stale snapshot is made from the config this run loads.
    let loadOptions;
    if (outcome.rebuild) {
      loadOptions = await (await import('../dist/command-table/build.js')).rebuildCommandTable(outcome.rebuild);
    } else {
      const snapshot = (await import('../dist/bundle/command-table/config-snapshot.js')).configForRun(appRoot);
      loadOptions = snapshot.rebuild
        ? await (await import('../dist/command-table/build.js')).rebuildConfigSnapshot(snapshot.rebuild)
        : snapshot.loadOptions;
    }
    const {execute} = await import('@oclif/core/execute');
    await execute(loadOptions ? {loadOptions} : {dir: import.meta.url});
  }
}
