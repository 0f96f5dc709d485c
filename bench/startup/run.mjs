#!/usr/bin/env node
// CLI start-up, as ratios to bare `node -e 0` measured in the same run (wall time, medians).
// Usage: node bench/startup/run.mjs [runs]   (build first: pnpm run build)
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const runs = Number(process.argv[2] ?? 21);
const bin = fileURLToPath(new URL('../../apps/systemprompt/bin/run.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'systemprompt-bench-'));
const env = {...process.env, SYSTEMPROMPT_HOME: home};

const cases = [
  {name: 'node -e 0', args: ['-e', '0'], target: undefined},
  {name: 'systemprompt --version', args: [bin, '--version'], target: 2.0},
  {name: 'systemprompt --help', args: [bin, '--help'], target: 3.0},
  {name: 'systemprompt cli:list --json', args: [bin, 'cli:list', '--json'], target: 3.0},
];

const once = (args) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']});
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const item of cases) once(item.args); // warm the file cache and the manifest cache
const samples = cases.map(() => []);
// Interleaved, so a slow moment of the machine spreads over every case alike.
for (let round = 0; round < runs; round++) cases.forEach((item, index) => samples[index].push(once(item.args)));
rmSync(home, {recursive: true, force: true});

const baseline = median(samples[0]);
console.log(`runs: ${runs} each, interleaved; node ${process.version}\n`);
console.log('case'.padEnd(32) + 'median ms'.padStart(10) + 'ratio'.padStart(8) + 'target'.padStart(8));
cases.forEach((item, index) => {
  const value = median(samples[index]);
  const ratio = value / baseline;
  const verdict = item.target === undefined ? '' : ratio <= item.target ? `  <= ${item.target.toFixed(1)}x ok` : `  > ${item.target.toFixed(1)}x OVER`;
  console.log(item.name.padEnd(32) + value.toFixed(1).padStart(10) + `${ratio.toFixed(2)}x`.padStart(8) + verdict);
});
