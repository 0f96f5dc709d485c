import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, runCli, type CliRun} from '@systemprompt/testing';

// Every module of the app, as installed.
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Built-in roles and narrow custom roles, each signed in (an API key scoped to its role's permissions)
 * with local trust off, try every route to a permission they were not
 * given. None may end with more than they started with, and each refusal is audited.
 */
describeEachEngine('privilege escalation: every route, every role', {root}, (t) => {
  const NARROW_ROLES: Record<string, string[]> = {
    'user-creator': ['users:create'],
    'user-editor': ['users:update', 'users:read'],
    granter: ['permissions:grant', 'permissions:read'],
    'role-writer': ['roles:write', 'roles:read'],
    'config-writer': ['config:write', 'config:read'],
    'key-maker': ['api-keys:write', 'api-keys:read'],
  };

  /** Runs a command as the owner of `key`, with local trust off. */
  const as = (key: string, ...args: string[]): Promise<CliRun> =>
    runCli(args, {
      root,
      home: t.home.path,
      env: {
        SYSTEMPROMPT_DATABASE_URL: undefined,
        ...t.database.env,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false',
        SYSTEMPROMPT_API_KEY: key,
      },
    });

  async function ok(...args: string[]): Promise<CliRun> {
    const run = await t.cli(...args);
    expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
    return run;
  }

  /** A user with `role` and a key that acts as them, scoped to everything the role gives. */
  async function signedIn(email: string, role: string): Promise<string> {
    await ok('users:create', '--email', email, '--role', role);
    const permissions = (
      (await ok('auth:role', '--json')).json().data as Array<{name: string; permissions: string[]}>
    ).find((entry) => entry.name === role)!.permissions;
    return (
      await ok(
        'api:keys:create',
        '--name',
        'test',
        '--user',
        email,
        ...permissions.flatMap((permission) => ['--scope', permission]),
        '--json',
      )
    ).json().data.key as string;
  }

  /** Every permission the installed modules declare, plus the wildcard. */
  async function everyPermission(): Promise<string[]> {
    const listed = (await ok('permissions:list', '--limit', '0', '--json')).json().data as Array<{name: string}>;
    return ['*', ...new Set(listed.map((permission) => permission.name))];
  }

  /** What `email` holds among `permissions`, as the local operator sees it. */
  async function held(email: string, permissions: readonly string[]): Promise<string[]> {
    const holding: string[] = [];
    for (const permission of permissions) {
      const run = await t.cli('permissions:check', email, permission, '--json');
      // Any other refusal must not read as "does not hold".
      if (run.exitCode === 0) holding.push(permission);
      else expectFailure(run, 4, 'PERMISSION_NOT_HELD');
    }
    return holding;
  }

  beforeEach(async () => {
    await ok('users:create', '--email', 'root@example.com', '--role', 'admin');
    for (const [role, permissions] of Object.entries(NARROW_ROLES))
      await ok('auth:role:create', role, ...permissions.flatMap((permission) => ['--permission', permission]));
    await ok('auth:role:create', 'helpers', '--permission', 'users:read');
  });

  for (const role of ['viewer', 'operator', ...Object.keys(NARROW_ROLES)]) {
    it(`${role}: gains nothing through any route`, async () => {
      const email = `${role}@example.com`;
      const key = await signedIn(email, role);
      const permissions = await everyPermission();
      const before = await held(email, permissions);
      expect(before).to.not.include('*');

      // Each route and the permission that opens it.
      const attempts: Array<[string[], string]> = [
        [['users:update', email, '--add-role', 'admin'], 'users:update'],
        [['users:update', email, '--add-role', 'operator'], 'users:update'],
        [['users:create', '--email', `new-${role}@example.com`, '--role', 'admin'], 'users:create'],
        [['permissions:grant', '*', '--user', email], 'permissions:grant'],
        [['permissions:grant', 'users:delete', '--user', email], 'permissions:grant'],
        [['permissions:grant', '*', '--role', 'helpers'], 'permissions:grant'],
        [['auth:role:create', `mine-${role}`, '--permission', '*'], 'roles:write'],
        [['auth:role:update', 'helpers', '--add-permission', 'users:*'], 'roles:write'],
        [['api:keys:create', '--name', 'borrowed', '--user', 'root@example.com', '--scope', '*'], 'api-keys:write'],
        [['config:set', 'auth.localTrust', 'true'], 'config:security'],
        [['database:query', 'SELECT password_hash FROM users'], 'database:query'],
        // Installing code is modules:write, which the operator holds by design (see README: Security).
        ...(role === 'operator'
          ? []
          : [
              [['plugins:link', fileURLToPath(new URL('fixtures/echo-module', import.meta.url))], 'modules:write'] as [
                string[],
                string,
              ],
            ]),
      ];
      for (const [args, opens] of attempts) {
        const run = await as(key, ...args, '--json');
        // Without the permission that opens the route: denied. With it: asking for more than the caller holds.
        expectFailure(run, 4, before.includes(opens) ? 'PERMISSION_ESCALATION' : 'PERMISSION_DENIED');
        expect(run.stderr, args.join(' ')).to.not.match(/\n\s+at /);
      }

      expect(await held(email, permissions), 'what the caller holds afterwards').to.deep.equal(before);
      expectFailure(
        await t.cli('permissions:check', `new-${role}@example.com`, 'users:read', '--json'),
        3,
        'USER_NOT_FOUND',
      );
      const roles = (await ok('auth:role', '--json')).json().data as Array<{name: string; permissions: string[]}>;
      expect(roles.find((entry) => entry.name === 'helpers')!.permissions).to.deep.equal(['users:read']);
      expect(roles.map((entry) => entry.name)).to.not.include(`mine-${role}`);

      // Without local trust, the runtime layer cannot turn the anonymous user into the administrator.
      const anonymous = await runCli(['users:list', '--json'], {
        root,
        home: t.home.path,
        env: {
          SYSTEMPROMPT_DATABASE_URL: undefined,
          ...t.database.env,
          SYSTEMPROMPT_AUTH_LOCAL_TRUST: undefined,
          SYSTEMPROMPT_API_KEY: undefined,
        },
      });
      if (t.engine === 'mysql') expectFailure(anonymous, 4, 'PERMISSION_DENIED');

      const denials = (await ok('permissions:audit', '--filter', 'result=denied', '--limit', '0', '--json')).json()
        .data as Array<{actor: string}>;
      expect(denials.filter((record) => record.actor === email).length, 'every refusal is audited').to.be.at.least(
        attempts.length - 2,
      );
    });
  }

  it('a holder of a permission may pass on exactly that permission, and no more', async () => {
    const key = await signedIn('lead@example.com', 'granter');
    await ok('users:create', '--email', 'mate@example.com');
    const passOn = await as(key, 'permissions:grant', 'permissions:read', '--user', 'mate@example.com', '--json');
    expect(passOn.exitCode, passOn.stderr).to.equal(0);
    const wider = await as(key, 'permissions:grant', 'permissions:*', '--user', 'mate@example.com', '--json');
    expectFailure(wider, 4, 'PERMISSION_ESCALATION', 'permissions:*');
    expect(await held('mate@example.com', ['permissions:read', 'permissions:grant', '*'])).to.deep.equal([
      'permissions:read',
    ]);
  });
});
