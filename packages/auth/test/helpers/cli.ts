import {readFile, readdir, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  PASSWORD,
  runCli,
  runWithStdin,
  sql,
  type ChildRun,
  type CliRun,
  type EngineFixture,
} from '@systemprompt/testing';

export const root = fileURLToPath(new URL('../..', import.meta.url));
// Shared with every package's tests: the app's bin, stdin-fed runs, the local operator, SQL.
export {APP_BIN as BIN, PASSWORD, asLocalOperator, ok, runWithStdin, sql, type ChildRun} from '@systemprompt/testing';

export async function createUser(
  t: EngineFixture,
  email: string,
  role: string | undefined,
  password = PASSWORD,
): Promise<string> {
  const run = await runWithStdin(
    t,
    ['users:create', '--email', email, ...(role ? ['--role', role] : []), '--password-stdin', '--json'],
    password,
  );
  expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  return run.json().data.id as string;
}

export function login(t: EngineFixture, email: string, password = PASSWORD, ...extra: string[]): Promise<ChildRun> {
  return runWithStdin(t, ['auth:login', '--email', email, '--password-stdin', '--json', ...extra], password);
}

/** A command in this process with extra environment (`undefined` removes a variable), e.g. local trust off. */
export function cliWith(t: EngineFixture, env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return runCli(args, {
    root,
    home: t.home.path,
    env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.database.env, ...env},
  });
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

export const ALL_TABLES = [
  'users',
  'users_sessions',
  'users_audit',
  'auth_login_attempts',
  'auth_signing_keys',
  'auth_mfa',
  'auth_providers',
  'auth_identities',
] as const;

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
