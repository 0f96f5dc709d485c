import {existsSync, readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {splitCommandLine} from '@systemprompt/core';
import codes from '../error-codes.js';
import {environmentFor, runChild, type Relay} from './child.js';

export interface TestRun {
  /** `sqlite`, or `mysql` for the run against --database-url. */
  engine: 'sqlite' | 'mysql';
  exitCode: number;
  passing: number | null;
  failing: number | null;
  pending: number | null;
  durationMs: number;
}

export interface TestOptions {
  root: string;
  databaseUrl?: string;
  grep?: string;
  relay: Relay;
  signal?: AbortSignal;
}

const MOCHARC = [
  '.mocharc.js',
  '.mocharc.cjs',
  '.mocharc.mjs',
  '.mocharc.json',
  '.mocharc.jsonc',
  '.mocharc.yaml',
  '.mocharc.yml',
];
const DEFAULT_ARGS = ['--import=tsx', 'test/**/*.test.ts'];

/** Checks --database-url before anything runs: only MySQL/MariaDB URLs (SQLite is always the first run). */
export function checkDatabaseUrl(url: string | undefined): void {
  if (url !== undefined && !/^(mysql|mariadb):\/\/[^\s]+$/.test(url))
    throw codes.DEV_DATABASE_URL_INVALID.error(
      `--database-url ${JSON.stringify(url.replace(/\/\/[^/@]*@/, '//***@'))} is not a mysql:// URL`,
    );
}

/**
 * Runs the package's mocha suite on a scratch SYSTEMPROMPT_HOME (removed afterwards) on SQLite, then,
 * with a database URL, again on a fresh home against that database. Mocha is the package's own when
 * it has one, else the one shipped with this module; its arguments come from the package's .mocharc,
 * else from a `mocha ...` test script, else `--import=tsx 'test/**\/*.test.ts'`.
 */
export async function runModuleTests(options: TestOptions): Promise<TestRun[]> {
  checkDatabaseUrl(options.databaseUrl);
  const {root} = options;
  const mocha = mochaOf(root);
  const args = [...mochaArgs(root), ...(options.grep ? ['--grep', options.grep] : [])];
  const runs: TestRun[] = [];
  const engines: Array<[TestRun['engine'], string | undefined]> = [['sqlite', undefined]];
  if (options.databaseUrl) engines.push(['mysql', options.databaseUrl]);
  for (const [engine, url] of engines) {
    if (options.signal?.aborted) break;
    const home = await mkdtemp(join(tmpdir(), 'systemprompt-dev-test-'));
    const started = performance.now();
    try {
      const env = environmentFor(home, {
        SYSTEMPROMPT_DATABASE_URL: url,
        // The repository's own suites run each database test on MySQL too when this is set.
        SYSTEMPROMPT_TEST_MYSQL_URL: url,
        FORCE_COLOR: process.env.FORCE_COLOR,
      });
      const result = await runChild(process.execPath, [mocha, ...args], {
        cwd: root,
        env,
        relay: options.relay,
        capture: 1_000_000,
        ...(options.signal ? {signal: options.signal} : {}),
      });
      // The spec reporter's summary: "3 passing", then "1 failing" and "2 pending" only when there are any.
      const summarized = /^\s*\d+ passing\b/m.test(result.stdout);
      const count = (word: string) => {
        const match = new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(result.stdout);
        return match ? Number(match[1]) : summarized ? 0 : null;
      };
      runs.push({
        engine,
        exitCode: result.exitCode,
        passing: count('passing'),
        failing: count('failing'),
        pending: count('pending'),
        durationMs: Math.round(performance.now() - started),
      });
    } finally {
      await rm(home, {recursive: true, force: true});
    }
  }
  return runs;
}

/** The package's own mocha, else the one this module ships (exit 6 when neither exists). */
function mochaOf(root: string): string {
  const own = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
  if (existsSync(own)) return own;
  try {
    return createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
  } catch {
    throw codes.DEV_TOOL_MISSING.error(`No mocha in ${root}/node_modules, and none shipped with the dev module`);
  }
}

/** What mocha is told: nothing when a .mocharc says it, else the test script's arguments, else the default. */
function mochaArgs(root: string): string[] {
  const pjson = readPackageJson(root);
  if (MOCHARC.some((name) => existsSync(join(root, name))) || pjson.mocha !== undefined) return [];
  const script = pjson.scripts?.test?.trim();
  let args = DEFAULT_ARGS;
  if (script && /^mocha(\s|$)/.test(script) && !/[;&|]/.test(script)) args = splitCommandLine(script).slice(1);
  return withTsx(root, args);
}

/** `--import=tsx` from the package when it has tsx, else the tsx shipped with this module. */
function withTsx(root: string, args: string[]): string[] {
  if (existsSync(join(root, 'node_modules', 'tsx', 'package.json'))) return args;
  const shipped = import.meta.resolve('tsx');
  return args.flatMap((arg, index) => {
    if (arg === '--import=tsx') return [`--import=${shipped}`];
    if (arg === 'tsx' && args[index - 1] === '--import') return [shipped];
    return [arg];
  });
}

export function readPackageJson(root: string): {
  name?: string;
  scripts?: Record<string, string>;
  mocha?: unknown;
} {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as ReturnType<typeof readPackageJson>;
  } catch {
    return {};
  }
}
