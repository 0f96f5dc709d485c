// What the benches share: running a command as a child process and taking its wall time and peak
// memory, medians, and the table that compares each case with bare `node -e 0` of the same run.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const bin = fileURLToPath(new URL('../../apps/systemprompt/bin/run.js', import.meta.url));
const peakRss = fileURLToPath(new URL('./peak-rss.cjs', import.meta.url));

/** The targets of issue 12, as ratios to `node -e 0`. */
export const TARGETS = {metadata: 1.5, database: 4.0};

/** One line on standard output. */
/**
 * Runs `systemprompt ARGS` in the installation at `home` (on its embedded SQLite database, whatever the
 * environment says) and returns its stdout; a failing command throws with its stderr.
 */
export function cliIn(home, ...args) {
  const env = {...process.env, SYSTEMPROMPT_HOME: home};
  delete env.SYSTEMPROMPT_DATABASE_URL;
  const result = spawnSync(process.execPath, [bin, ...args], {env, encoding: 'utf8'});
  if (result.status !== 0)
    throw new Error(`systemprompt ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

export const say = (line = '') => process.stdout.write(`${line}\n`);

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The runs argument (`node run.mjs 11`), or the default. */
export function runsFromArgv(fallback) {
  const runs = Number(process.argv[2] ?? fallback);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`usage: node ${process.argv[1]} [runs]   (runs: a whole number, default ${fallback})\n`);
    process.exit(2);
  }
  return runs;
}

/** The bench's environment with `overrides` (a key set to undefined is removed). */
function childEnv(overrides = {}, report) {
  const env = {...process.env, ...overrides, SYSTEMPROMPT_BENCH_RSS_FILE: report};
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/**
 * Runs `node <args>` once and returns its wall time (ms) and peak resident memory (MB). Every case,
 * the baseline included, loads the same small preload (peak-rss.cjs) that reports the process's
 * own maximum RSS when it exits, so the preload's cost is the same on both sides of a ratio.
 */
export function runNode(args, {env, cwd} = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'systemprompt-bench-rss-'));
  const report = join(directory, 'rss');
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--require', peakRss, ...args], {
      env: childEnv(env, report),
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.error) throw result.error;
    if (result.status !== 0) {
      // Output is not read while timing (a pipe would cost the command); run it again to say why it failed.
      const again = spawnSync(process.execPath, args, {
        env: childEnv(env, report),
        cwd,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      });
      const why = `${again.stderr ?? ''}\n${again.stdout ?? ''}`.trim().split('\n').slice(0, 5).join('\n');
      throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}: ${why}`);
    }
    // The command's own line: a child process it started writes its own.
    const line = readFileSync(report, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith(`${result.pid} `));
    return {ms, mb: line ? Number(line.split(' ')[1]) / 1024 : Number.NaN};
  } finally {
    rmSync(directory, {recursive: true, force: true});
  }
}

/**
 * Measures `cases` ({name, args, target?}) interleaved: every round runs each case once, so a slow
 * moment of a shared machine spreads over all of them alike. The first case is the baseline. One
 * round before counts nothing (it fills file caches, the manifest cache and the database).
 */
export function measure(cases, runs, options = {}) {
  for (const item of cases) runNode(item.args, options);
  const samples = cases.map(() => ({ms: [], mb: []}));
  for (let round = 0; round < runs; round++) {
    cases.forEach((item, index) => {
      const {ms, mb} = runNode(item.args, options);
      samples[index].ms.push(ms);
      samples[index].mb.push(mb);
    });
  }
  const baseline = median(samples[0].ms);
  return cases.map((item, index) => {
    const ms = median(samples[index].ms);
    return {
      ...item,
      ms,
      ratio: ms / baseline,
      mb: median(samples[index].mb),
      spread: [Math.min(...samples[index].ms), Math.max(...samples[index].ms)],
    };
  });
}

/** One line per case: median, ratio to the baseline, peak memory, and the target met or missed. */
export function printTable(results) {
  say('case'.padEnd(40) + 'median ms'.padStart(10) + 'ratio'.padStart(8) + 'peak MB'.padStart(9) + '  target');
  for (const item of results) {
    const verdict =
      item.target === undefined
        ? ''
        : item.ratio <= item.target
          ? `<= ${item.target.toFixed(1)}x met`
          : `<= ${item.target.toFixed(1)}x MISSED`;
    say(
      item.name.padEnd(40) +
        item.ms.toFixed(1).padStart(10) +
        `${item.ratio.toFixed(2)}x`.padStart(8) +
        item.mb.toFixed(1).padStart(9) +
        `  ${verdict}`,
    );
  }
  const missed = results.filter((item) => item.target !== undefined && item.ratio > item.target);
  const counted = results.filter((item) => item.target !== undefined).length;
  if (counted > 0)
    say(
      `\ntargets: ${counted - missed.length} of ${counted} met${missed.length > 0 ? ` (missed: ${missed.map((item) => item.name).join(', ')})` : ''}`,
    );
}

/** A fresh SYSTEMPROMPT_HOME for one bench run; `remove()` deletes it. */
export function temporaryHome(prefix = 'systemprompt-bench-') {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return {home, remove: () => rmSync(home, {recursive: true, force: true})};
}

/** The load of the machine while it measured (the first figure of /proc/loadavg), for the record. */
export function loadNote() {
  try {
    return `load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
  } catch {
    return 'load unknown';
  }
}
