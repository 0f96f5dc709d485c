import {rename} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {runCli, spawnCli, type CliRun, type EngineFixture, type SpawnResult} from '@systemprompt/testing';

/**
 * The installed app: every module (users, auth, permissions...) is there, so commands run as a real
 * signed-in user and the users module decides and audits, as in `systemprompt` itself.
 */
export const APP_ROOT = fileURLToPath(new URL('../../../../apps/systemprompt', import.meta.url));
export const BIN = join(APP_ROOT, 'bin/run.js');
export const PASSWORD = 'correct horse battery staple';
/** Local trust off: a command runs as the signed-in user, or as nobody. */
export const TRUST_OFF = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'};

export type Run = SpawnResult & {json(): any};

/** The installed CLI as a child process with `input` on standard input (in-process runs cannot feed it). */
export async function runWithStdin(t: EngineFixture, args: string[], input: string, env: Record<string, string | undefined> = {}): Promise<Run> {
  const run = await spawnCli(BIN, args, {env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...env}, input});
  return {...run, json: () => JSON.parse(run.stdout)};
}

/** A command of the app in this process with extra environment (`undefined` removes a variable). */
export function cliWith(t: EngineFixture, env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return runCli(args, {root: APP_ROOT, home: t.home.path, env: {SYSTEMPROMPT_DATABASE_URL: undefined, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true', ...t.database.env, ...env}});
}

/** The command as the signed-in user, local trust off. */
export const asUser = (t: EngineFixture, ...args: string[]): Promise<CliRun> => cliWith(t, TRUST_OFF, ...args);

/** A command that must succeed. */
export async function ok(t: EngineFixture, ...args: string[]): Promise<CliRun> {
  const run = await t.cli(...args);
  expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
  return run;
}

/** Expects exit `code` with the error code `errorCode` (from the JSON envelope). */
export function expectFailure(run: CliRun | Run, exitCode: number, errorCode: string): void {
  expect(run.exitCode, run.stderr + run.stdout).to.equal(exitCode);
  expect(run.json().error.code, run.stdout).to.equal(errorCode);
}

/** A user with a password and these roles, created by the local operator. */
export async function createUser(t: EngineFixture, email: string, role: string): Promise<string> {
  const run = await runWithStdin(t, ['users:create', '--email', email, '--role', role, '--password-stdin', '--json'], PASSWORD, {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'});
  expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  return run.json().data.id as string;
}

/** Creates a user with `role` and signs in as them (the session file of the test's home). */
export async function signIn(t: EngineFixture, role: string, email = `${role}@example.com`): Promise<string> {
  await createUser(t, email, role);
  const run = await runWithStdin(t, ['auth:login', '--email', email, '--password-stdin', '--json'], PASSWORD, TRUST_OFF);
  expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  return email;
}

/** Runs `body` as the local operator: the session file is set aside meanwhile. */
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

/** One statement through database:query as the local operator; the rows of a read. */
export async function sql(t: EngineFixture, statement: string, ...params: string[]): Promise<any[]> {
  const write = !/^\s*select/i.test(statement);
  const run = await asLocalOperator(t, () => ok(t, 'database:query', statement, ...params.flatMap((param) => ['--param', param]), ...(write ? ['--write', '--confirm'] : ['--limit', '0']), '--json'));
  return run.json().data;
}

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
  return (await asLocalOperator(t, () => ok(t, 'permissions:audit', '--limit', '0', '--json'))).json().data;
}
