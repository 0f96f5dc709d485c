import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  APP_BIN,
  APP_ROOT,
  ok,
  runCli,
  spawnCli,
  type CliRun,
  type EngineFixture,
  type SpawnResult,
} from '@systemprompt/testing';

export {APP_ROOT, auditLog, ok, type AuditRow} from '@systemprompt/testing';
const BIN = APP_BIN;
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Who runs a command: the local operator (local trust on), nobody (trust off), or a user's API key (trust off). */
export type As = 'local' | 'anonymous' | {key: string};

export interface BinRun extends SpawnResult {
  json(): any;
}

const identity = (who: As): Record<string, string | undefined> =>
  who === 'local'
    ? {SYSTEMPROMPT_API_KEY: undefined}
    : who === 'anonymous'
      ? {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false', SYSTEMPROMPT_API_KEY: undefined}
      : {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false', SYSTEMPROMPT_API_KEY: who.key};

/** The installed CLI as a child process, as `who`. */
export async function bin(t: EngineFixture, who: As, ...args: string[]): Promise<BinRun> {
  const run = await spawnCli(BIN, args, {
    env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...identity(who)},
    timeoutMs: 120_000,
  });
  return {...run, json: () => JSON.parse(run.stdout)};
}

/** The same command in this process (the app's hooks included), as `who`. */
export function cliAs(t: EngineFixture, who: As, ...args: string[]): Promise<CliRun> {
  return runCli(args, {
    root: APP_ROOT,
    home: t.home.path,
    env: {
      SYSTEMPROMPT_DATABASE_URL: undefined,
      ...t.database.env,
      SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
      ...identity(who),
    },
  });
}

/** What each built-in role's test key is scoped to: everything the role holds, so the key acts as its owner. */
const ROLE_SCOPES: Record<string, string[]> = {
  admin: ['*'],
  operator: ['*:read', 'modules:*', 'config:write'],
  viewer: ['*:read'],
};

/** A user with a built-in `role` and an API key that acts with the role's permissions. */
export async function userWithKey(
  t: EngineFixture,
  email: string,
  role: keyof typeof ROLE_SCOPES & string,
): Promise<{key: string}> {
  await ok(t, 'users:create', '--email', email, '--role', role);
  const scopes = ROLE_SCOPES[role]!.flatMap((scope) => ['--scope', scope]);
  return {
    key: (await ok(t, 'api:keys:create', '--name', `${role} key`, '--user', email, ...scopes, '--json')).json().data
      .key as string,
  };
}

/** The user-plugin directory's package.json as text (undefined when there is none). */
export function userPluginsFile(t: EngineFixture): Promise<string | undefined> {
  return readFile(join(t.home.path, 'data', 'package.json'), 'utf8').catch(() => undefined);
}

/** The ids of the commands the installed CLI has (user plugins included). */
export async function commandIds(t: EngineFixture): Promise<string[]> {
  const run = await bin(t, 'local', 'cli:list', '--json');
  expect(run.exitCode, run.stderr).to.equal(0);
  return run.json().data.map((row: {id: string}) => row.id);
}
