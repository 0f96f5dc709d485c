import {rename, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {
  APP_BIN as BIN,
  APP_ROOT as APP,
  PASSWORD,
  expectFailure,
  runCli,
  spawnCli,
  type CliRun,
  type EngineFixture,
} from '@systemprompt/testing';

/** The installed app: every module (users, permissions, auth, api, config, database, modules). */
export {APP, PASSWORD};

/** Commands run as a signed-in user (the session file), as the local operator, or with a batch file. */
export interface SignedIn {
  /** As whoever is signed in, with local trust off (in this process). */
  as(...args: string[]): Promise<CliRun>;
  /** As the local operator (the session file set aside meanwhile); must succeed. */
  local(...args: string[]): Promise<CliRun>;
  /** As the local operator, whatever the outcome. */
  localRun(...args: string[]): Promise<CliRun>;
  /** Creates a user with a password (and roles), as the local operator. */
  createUser(email: string, ...roles: string[]): Promise<void>;
  /** Signs in as `email` (a real auth:login, which writes the session file). */
  signIn(email: string): Promise<void>;
  /** Creates a role with these permissions, as the local operator. */
  role(name: string, ...permissions: string[]): Promise<void>;
  /** Writes a batch file in the test's home and returns its path. */
  file(name: string, text: string): Promise<string>;
  /** Whether `email` holds `permission`, as the local operator's permissions:check says. */
  holds(email: string, permission: string): Promise<boolean>;
}

export function signedIn(t: EngineFixture): SignedIn {
  const sessionFile = () => join(t.home.path, 'config', 'session.json');
  const asLocal = async <T>(body: () => Promise<T>): Promise<T> => {
    const aside = `${sessionFile()}.aside`;
    const moved = await rename(sessionFile(), aside).then(
      () => true,
      () => false,
    );
    try {
      return await body();
    } finally {
      if (moved) await rename(aside, sessionFile());
    }
  };
  const localRun = (...args: string[]) => asLocal(() => t.cli(...args));
  const local = async (...args: string[]) => {
    const run = await localRun(...args);
    expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
    return run;
  };
  const spawn = (args: string[], input: string) =>
    spawnCli(BIN, args, {env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env}, input, timeoutMs: 120_000});
  return {
    as: (...args) =>
      runCli(args, {
        root: APP,
        home: t.home.path,
        env: {
          SYSTEMPROMPT_DATABASE_URL: undefined,
          ...t.database.env,
          SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false',
          SYSTEMPROMPT_API_KEY: undefined,
        },
      }),
    local,
    localRun,
    async createUser(email, ...roles) {
      const run = await asLocal(() =>
        spawn(
          ['users:create', '--email', email, ...roles.flatMap((role) => ['--role', role]), '--password-stdin'],
          PASSWORD,
        ),
      );
      expect(run.exitCode, run.stderr).to.equal(0);
    },
    async signIn(email) {
      const run = await spawn(['auth:login', '--email', email, '--password-stdin', '--json'], PASSWORD);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    },
    async role(name, ...permissions) {
      await local('auth:role:create', name, ...permissions.flatMap((permission) => ['--permission', permission]));
    },
    async file(name, text) {
      const path = join(t.home.path, name);
      await writeFile(path, text);
      return path;
    },
    async holds(email, permission) {
      const run = await localRun('permissions:check', email, permission, '--json');
      // Any other refusal (an unknown user, a broken command) must not read as "does not hold".
      if (run.exitCode !== 0) expectFailure(run, 4, 'PERMISSION_NOT_HELD');
      return run.exitCode === 0;
    },
  };
}
