#!/usr/bin/env node
// CLI start-up, as ratios to bare `node -e 0` measured in the same run (wall time, medians, interleaved),
// with each command's peak memory (max RSS), against the targets of issue 12:
//   commands that only read command metadata <= 1.5x; commands that open the embedded database <= 4.0x.
// Usage: node bench/startup/run.mjs [runs]   (default 21; build first: pnpm run build)
// Exit status: 0 whether or not targets are met (a bench is no test); 1 when a command fails.
import {TARGETS, bin, loadNote, measure, printTable, runsFromArgv, say, temporaryHome} from '../lib/measure.mjs';

const runs = runsFromArgv(21);
const {home, remove} = temporaryHome();
// A home of its own: the embedded SQLite database is created and migrated by the warm-up round.
const env = {SYSTEMPROMPT_HOME: home, SYSTEMPROMPT_DATABASE_URL: undefined};

const cases = [
  {name: 'node -e 0', args: ['-e', '0']},
  {name: 'systemprompt --version', args: [bin, '--version'], target: TARGETS.metadata},
  {name: 'systemprompt --help', args: [bin, '--help'], target: TARGETS.metadata},
  {name: 'systemprompt cli:list --json', args: [bin, 'cli:list', '--json'], target: TARGETS.metadata},
  {name: 'systemprompt cli:help users:create', args: [bin, 'cli:help', 'users:create'], target: TARGETS.metadata},
  {name: 'systemprompt database:status --json', args: [bin, 'database:status', '--json'], target: TARGETS.database},
  {name: 'systemprompt users:list --json', args: [bin, 'users:list', '--json'], target: TARGETS.database},
  {name: 'systemprompt config:list --json', args: [bin, 'config:list', '--json'], target: TARGETS.database},
];

try {
  const before = loadNote();
  const results = measure(cases, runs, {env});
  say(`runs: ${runs} each, interleaved; node ${process.version}; ${before}, after: ${loadNote()}\n`);
  printTable(results);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  remove();
}
