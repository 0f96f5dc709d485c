import {strict as assert} from 'node:assert';
import {rename} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {EngineFixture} from './each-engine.js';
import {runCli, type CliRun} from './run-cli.js';
import {spawnCli, type SpawnResult} from './spawn-cli.js';

/**
 * Helpers for tests that act as somebody: the local operator, a signed-in user, nobody. They run the
 * installed app (every module), so the users module decides and audits as in `systemprompt` itself.
 */

/** The app package (apps/systemprompt) and its bin, located from this package in the workspace. */
export const APP_ROOT = fileURLToPath(new URL('../../../apps/systemprompt', import.meta.url));
export const APP_BIN = join(APP_ROOT, 'bin', 'run.js');

/** The password of the users these helpers create. */
export const PASSWORD = 'correct horse battery staple';
/** Local trust off: a command runs as the signed-in user, or as nobody. */
export const TRUST_OFF = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'} as const;

export type ChildRun = SpawnResult & {json(): any}; // eslint-disable-line @typescript-eslint/no-explicit-any -- callers read the shape they assert on

/** The installed CLI as a child process with `input` on standard input (in-process runs cannot feed it). */
export async function runWithStdin(
  t: EngineFixture,
  args: string[],
  input: string,
  env: Record<string, string | undefined> = {},
): Promise<ChildRun> {
  const run = await spawnCli(APP_BIN, args, {env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...env}, input});
  return {...run, json: () => JSON.parse(run.stdout)};
}

/** A command of the app in this process with extra environment (`undefined` removes a variable); local trust on unless `env` says otherwise. */
export function appCli(t: EngineFixture, env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return runCli(args, {
    root: APP_ROOT,
    home: t.home.path,
    env: {SYSTEMPROMPT_DATABASE_URL: undefined, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true', ...t.database.env, ...env},
  });
}

/** A command that must succeed (exit 0), through the fixture's `cli`. */
export async function ok(t: EngineFixture, ...args: string[]): Promise<CliRun> {
  const run = await t.cli(...args);
  assert.equal(run.exitCode, 0, `${args.join(' ')}: ${run.stderr}${run.stdout}`);
  return run;
}

/** The `error` of a failed command's JSON envelope. */
export interface FailureEnvelope {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- callers read the details they assert on
}

/** A finished run: in-process (`runCli`, `t.cli`, `appCli`) or a child (`spawnCli`, `runWithStdin`). */
export type FinishedRun = {exitCode: number; stdout: string; stderr: string; json?(): unknown};

/**
 * A failure with this exit code and this error code, read from the JSON envelope on stdout: the
 * command must have run with `--json`. `message`, when given, must occur in (a string) or match (a
 * RegExp) the error's message. Returns the envelope's `error` for further checks (hint, details).
 */
export function expectFailure(
  run: FinishedRun,
  exitCode: number,
  errorCode: string,
  message?: string | RegExp,
): FailureEnvelope {
  const output = `${run.stderr}${run.stdout}`;
  let envelope: {ok?: unknown; error?: FailureEnvelope} | undefined;
  try {
    envelope = (run.json ? run.json() : JSON.parse(run.stdout)) as typeof envelope;
  } catch {
    envelope = undefined;
  }
  assert.equal(run.exitCode, exitCode, `exit code; output: ${output}`);
  assert.ok(
    envelope && typeof envelope === 'object',
    `no JSON envelope on stdout (run the command with --json); output: ${output}`,
  );
  assert.equal(envelope.ok, false, `envelope not a failure: ${run.stdout}`);
  assert.equal(envelope.error?.code, errorCode, `error code: ${run.stdout}`);
  const error = envelope.error;
  if (typeof message === 'string')
    assert.ok(
      error.message.includes(message),
      `error message ${JSON.stringify(error.message)} lacks ${JSON.stringify(message)}`,
    );
  else if (message)
    assert.match(
      error.message,
      message,
      `error message ${JSON.stringify(error.message)} does not match ${String(message)}`,
    );
  return error;
}

/**
 * Runs `body` as the local operator: the session file, if any, is set aside meanwhile (tests use it
 * to look into or age the database whoever is signed in).
 */
export async function asLocalOperator<T>(t: EngineFixture, body: () => Promise<T>): Promise<T> {
  const file = join(t.home.path, 'config', 'session.json');
  const aside = `${file}.aside`;
  const moved = await rename(file, aside).then(
    () => true,
    () => false,
  );
  try {
    return await body();
  } finally {
    if (moved) await rename(aside, file);
  }
}

/** One SQL statement through database:query, as the local operator; the rows of a read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of any table
export async function sql(t: EngineFixture, statement: string, ...params: string[]): Promise<any[]> {
  const write = !/^\s*select/i.test(statement);
  const run = await asLocalOperator(t, () =>
    ok(
      t,
      'database:query',
      statement,
      ...params.flatMap((param) => ['--param', param]),
      ...(write ? ['--write', '--confirm'] : ['--limit', '0']),
      '--json',
    ),
  );
  return run.json().data;
}

/** A record of the audit log as permissions:audit and users:activity print it. */
export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  permission: string | null;
  details: Record<string, unknown> | null;
}

/** Every audit record that names a permission (permissions:audit), read by the local operator. */
export async function auditLog(t: EngineFixture): Promise<AuditRow[]> {
  return (await asLocalOperator(t, () => ok(t, 'permissions:audit', '--limit', '0', '--json'))).json()
    .data as AuditRow[];
}
