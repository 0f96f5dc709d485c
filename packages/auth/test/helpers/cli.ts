import {readFile, readdir, rename, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {runCli, spawnCli, type CliRun, type EngineFixture} from '@systemprompt/testing';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../../../apps/systemprompt/bin/run.js', import.meta.url));
export const PASSWORD = 'correct horse battery staple';

export interface ChildRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  json(): any;
}

/** The installed CLI as a child process with `input` on its standard input (runCli cannot feed stdin). */
export async function runWithStdin(t: EngineFixture, args: string[], input: string, env: Record<string, string> = {}): Promise<ChildRun> {
  const run = await spawnCli(BIN, args, {env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...env}, input});
  return {...run, json: () => JSON.parse(run.stdout)};
}

/** A command that must succeed (exit 0), in this process. */
export async function ok(t: EngineFixture, ...args: string[]) {
  const run = await t.cli(...args);
  expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
  return run;
}

export async function createUser(t: EngineFixture, email: string, role: string | undefined, password = PASSWORD): Promise<string> {
  const run = await runWithStdin(t, ['users:create', '--email', email, ...(role ? ['--role', role] : []), '--password-stdin', '--json'], password);
  expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  return run.json().data.id as string;
}

export function login(t: EngineFixture, email: string, password = PASSWORD, ...extra: string[]): Promise<ChildRun> {
  return runWithStdin(t, ['auth:login', '--email', email, '--password-stdin', '--json', ...extra], password);
}

/** A command in this process with extra environment (`undefined` removes a variable), e.g. local trust off. */
export function cliWith(t: EngineFixture, env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return runCli(args, {root, home: t.home.path, env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.database.env, ...env}});
}

/**
 * Runs `body` as the local operator: the session file, if any, is set aside meanwhile (tests use it
 * to look into or age the database whoever is signed in).
 */
export async function asLocalOperator<T>(t: EngineFixture, body: () => Promise<T>): Promise<T> {
  const file = join(t.home.path, 'config', 'session.json');
  const aside = `${file}.aside`;
  const moved = await rename(file, aside).then(() => true, () => false);
  try {
    return await body();
  } finally {
    if (moved) await rename(aside, file);
  }
}

/** One SQL statement through database:query, as the local operator; rows of a read. */
export async function sql(t: EngineFixture, statement: string, ...params: string[]): Promise<any[]> {
  const write = !/^\s*select/i.test(statement);
  const run = await asLocalOperator(t, () => ok(t, 'database:query', statement, ...params.flatMap((param) => ['--param', param]), ...(write ? ['--write', '--confirm'] : ['--limit', '0']), '--json'));
  return run.json().data;
}

/** Every file under a directory whose bytes contain `text`. */
export async function filesContaining(directory: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, {recursive: true})) {
    const path = join(directory, entry);
    if ((await stat(path)).isFile() && (await readFile(path)).includes(text)) found.push(entry);
  }
  return found;
}

/** Every row of every table as one text, to search for secrets in clear. */
export async function databaseDump(t: EngineFixture, tables: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const table of tables) parts.push(JSON.stringify(await sql(t, `SELECT * FROM ${table}`)));
  return parts.join('\n');
}

export const ALL_TABLES = ['users', 'users_sessions', 'users_audit', 'auth_login_attempts', 'auth_signing_keys', 'auth_mfa', 'auth_providers'] as const;

/** The permission bits of a file (e.g. 0o600). */
export async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

/** Runs `body` with environment variables set for this process (in-process commands read them). */
export async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}
