import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {APP, signedIn} from '../helpers/signed-in.js';

/**
 * The escalation rule, through the installed CLI, signed in (a real session) with narrow roles and
 * local trust off: nobody gives a user, a role or a credential a permission they do not hold.
 */
describeEachEngine('escalation rule: nobody gives what they do not hold', {root: APP}, (t) => {
  const cli = signedIn(t);

  /** Records of refused escalations by `email`, from the audit log. */
  const escalationDenials = async (email: string) => {
    const records = (await cli.local('permissions:audit', '--filter', 'result=denied', '--limit', '0', '--json')).json()
      .data as Array<{actor: string; action: string; permission: string; details: {reason?: string}}>;
    return records
      .filter((record) => record.actor === email && record.details?.reason === 'escalation')
      .map((record) => `${record.action} ${record.permission}`);
  };

  it('users:update --add-role: a holder of users:update cannot give themselves admin or operator, only roles they cover', async () => {
    await cli.role('user-editor', 'users:update', 'users:read');
    await cli.role('reader', 'users:read');
    await cli.createUser('ed@example.com', 'user-editor');
    await cli.signIn('ed@example.com');

    const admin = expectFailure(
      await cli.as('users:update', 'ed@example.com', '--add-role', 'admin', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expect(admin.message).to.equal(
      'ed@example.com may not give * (through role admin) to ed@example.com: nobody can give a permission they do not hold (no role or grant gives it)',
    );
    expectFailure(
      await cli.as('users:update', 'ed@example.com', '--add-role', 'operator', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expectFailure(
      await cli.as('users:update', 'ed@example.com', '--add-role', 'operator', '--dry-run', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    const covered = await cli.as('users:update', 'ed@example.com', '--add-role', 'reader', '--json');
    expect(covered.exitCode, covered.stderr).to.equal(0);

    expect((await cli.local('users:get', 'ed@example.com', '--json')).json().data.roles).to.deep.equal([
      'reader',
      'user-editor',
    ]);
    expect(await cli.holds('ed@example.com', '*')).to.equal(false);
    expect(await cli.holds('ed@example.com', 'config:read')).to.equal(false);
    expect(await escalationDenials('ed@example.com')).to.deep.equal([
      'users.update *',
      'users.update *:read',
      'users.update *:read',
    ]);
  });

  it('users:create --role: a holder of users:create cannot create an administrator (also not in a --batch row)', async () => {
    await cli.role('user-creator', 'users:create', 'users:read');
    await cli.role('reader', 'users:read');
    await cli.createUser('cy@example.com', 'user-creator');
    await cli.signIn('cy@example.com');

    const refused = expectFailure(
      await cli.as('users:create', '--email', 'boss@example.com', '--role', 'admin', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expect(refused.message).to.include('may not give * (through role admin)');
    expectFailure(
      await cli.as('users:create', '--email', 'boss@example.com', '--role', 'admin', '--dry-run', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    const batch = await cli.file(
      'people.ndjson',
      '{"email":"boss2@example.com","roles":["admin"]}\n{"email":"mate@example.com","roles":["reader"]}\n',
    );
    const run = await cli.as('users:create', '--batch', batch, '--json');
    expect(run.exitCode, run.stdout).to.equal(2);
    expect(
      run
        .json()
        .data.results.map((row: {ok: boolean; error?: {code: string; exitCode: number}}) =>
          row.ok ? 'ok' : `${row.error!.code}:${row.error!.exitCode}`,
        ),
    ).to.deep.equal(['PERMISSION_ESCALATION:4', 'ok']);

    for (const email of ['boss@example.com', 'boss2@example.com'])
      expectFailure(await cli.localRun('users:get', email, '--json'), 3, 'USER_NOT_FOUND');
    expect((await cli.local('users:get', 'mate@example.com', '--json')).json().data.roles).to.deep.equal(['reader']);
  });

  it('permissions:grant: a holder of permissions:grant passes on what they hold, never * or a wider wildcard (also in --batch rows)', async () => {
    await cli.role('granter', 'permissions:grant', 'permissions:read', 'users:read');
    await cli.role('helpers', 'users:read');
    await cli.createUser('gil@example.com', 'granter');
    await cli.createUser('mate@example.com');
    await cli.signIn('gil@example.com');

    const star = expectFailure(
      await cli.as('permissions:grant', '*', '--user', 'gil@example.com', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expect(star.message).to.equal(
      'gil@example.com may not give * to gil@example.com: nobody can give a permission they do not hold (no role or grant gives it)',
    );
    expectFailure(
      await cli.as('permissions:grant', 'users:*', '--role', 'helpers', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expectFailure(
      await cli.as('permissions:grant', 'permissions:*', '--user', 'mate@example.com', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    // Checked before the subject is looked up: the answer is the same for a user that does not exist.
    expectFailure(
      await cli.as('permissions:grant', '*', '--user', 'ghost@example.com', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expect((await cli.as('permissions:grant', 'permissions:read', '--user', 'mate@example.com')).exitCode).to.equal(0);
    const batch = await cli.file(
      'grants.csv',
      'permission,user,role\nusers:read,mate@example.com,\nusers:delete,mate@example.com,\n*,,helpers\n',
    );
    const run = await cli.as('permissions:grant', '--batch', batch, '--json');
    expect(run.exitCode, run.stdout).to.equal(2);
    expect(
      run.json().data.results.map((row: {ok: boolean; error?: {code: string}}) => (row.ok ? 'ok' : row.error!.code)),
    ).to.deep.equal(['ok', 'PERMISSION_ESCALATION', 'PERMISSION_ESCALATION']);

    expect(await cli.holds('gil@example.com', '*')).to.equal(false);
    for (const [permission, held] of [
      ['permissions:read', true],
      ['users:read', true],
      ['users:delete', false],
      ['permissions:grant', false],
      ['*', false],
    ] as const) {
      expect(await cli.holds('mate@example.com', permission), permission).to.equal(held);
    }
    const roles = (await cli.local('auth:role', '--json')).json().data as Array<{name: string; permissions: string[]}>;
    expect(roles.find((role) => role.name === 'helpers')!.permissions).to.deep.equal(['users:read']);
  });

  it('auth:role:create/update --permission: a holder of roles:write cannot make a role with more than they hold', async () => {
    await cli.role('role-writer', 'roles:write', 'roles:read');
    await cli.createUser('rho@example.com', 'role-writer');
    await cli.signIn('rho@example.com');

    const refused = expectFailure(
      await cli.as('auth:role:create', 'x', '--permission', '*', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expect(refused.message).to.equal(
      'rho@example.com may not give * to x: nobody can give a permission they do not hold (no role or grant gives it)',
    );
    expectFailure(
      await cli.as('auth:role:create', 'x', '--permission', 'roles:*', '--dry-run', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    expectFailure(
      await cli.as('auth:role:update', 'role-writer', '--add-permission', 'users:delete', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    const ok = await cli.as('auth:role:create', 'y', '--permission', 'roles:read', '--json');
    expect(ok.exitCode, ok.stderr).to.equal(0);

    const roles = (await cli.local('auth:role', '--json')).json().data as Array<{name: string; permissions: string[]}>;
    expect(roles.map((role) => role.name)).to.not.include('x');
    expect(roles.find((role) => role.name === 'role-writer')!.permissions).to.deep.equal(['roles:read', 'roles:write']);
    expect(await cli.holds('rho@example.com', 'users:delete')).to.equal(false);
  });

  it('api:keys:create --scope, also for another user: the issuer must hold every scope', async () => {
    await cli.role('key-maker', 'api-keys:write', 'api-keys:read', 'users:read');
    await cli.createUser('root@example.com', 'admin');
    await cli.createUser('kim@example.com', 'key-maker');
    await cli.signIn('kim@example.com');

    const refused = expectFailure(
      await cli.as(
        'api:keys:create',
        '--name',
        'borrowed',
        '--user',
        'root@example.com',
        '--scope',
        'users:delete',
        '--json',
      ),
      4,
      'PERMISSION_ESCALATION',
    );
    expect(refused.message).to.include('kim@example.com may not give users:delete to root@example.com');
    expectFailure(
      await cli.as(
        'api:keys:create',
        '--name',
        'borrowed',
        '--user',
        'root@example.com',
        '--scope',
        '*',
        '--dry-run',
        '--json',
      ),
      4,
      'PERMISSION_ESCALATION',
    );
    const batch = await cli.file(
      'keys.ndjson',
      '{"name":"a","user":"root@example.com","scopes":["users:read"]}\n{"name":"b","user":"root@example.com","scopes":["*"]}\n',
    );
    const run = await cli.as('api:keys:create', '--batch', batch, '--json');
    expect(run.exitCode, run.stdout).to.equal(2);
    expect(
      run.json().data.results.map((row: {ok: boolean; error?: {code: string}}) => (row.ok ? 'ok' : row.error!.code)),
    ).to.deep.equal(['ok', 'PERMISSION_ESCALATION']);
    const keys = (await cli.local('api:keys:list', '--json')).json().data as Array<{name: string; scopes: string[]}>;
    expect(keys.map((key) => `${key.name}:${key.scopes.join(' ')}`)).to.deep.equal(['a:users:read']);
  });

  it('auth:token --user: a holder of auth:tokens cannot mint a token with more than they hold', async () => {
    await cli.role('token-maker', 'auth:tokens', 'users:read');
    await cli.createUser('root@example.com', 'admin');
    await cli.createUser('tom@example.com', 'token-maker');
    await cli.local('auth:generatekey');
    await cli.signIn('tom@example.com');
    expectFailure(await cli.as('auth:token', '--user', 'root@example.com', '--json'), 4, 'PERMISSION_ESCALATION');
    expectFailure(
      await cli.as('auth:token', '--user', 'root@example.com', '--scope', 'users:delete', '--json'),
      4,
      'PERMISSION_ESCALATION',
    );
    const narrow = await cli.as('auth:token', '--user', 'root@example.com', '--scope', 'users:read', '--json');
    expect(narrow.exitCode, narrow.stderr).to.equal(0);
    expect(narrow.json().data.scopes).to.deep.equal(['users:read']);
  });

  it('the local administrator and holders of * are unaffected', async () => {
    await cli.createUser('root@example.com', 'admin');
    await cli.createUser('ana@example.com');
    expect((await cli.local('permissions:grant', '*', '--user', 'ana@example.com')).exitCode).to.equal(0);
    await cli.signIn('root@example.com');
    for (const args of [
      ['users:create', '--email', 'boss@example.com', '--role', 'admin'],
      ['users:update', 'ana@example.com', '--add-role', 'admin'],
      ['permissions:grant', 'users:*', '--user', 'ana@example.com'],
      ['auth:role:create', 'everything', '--permission', '*'],
      ['api:keys:create', '--name', 'all', '--user', 'ana@example.com', '--scope', '*'],
    ]) {
      const run = await cli.as(...args);
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).to.equal(0);
    }
  });

  it('scenario: the built-in viewer and operator, signed in, try every route and end with nothing new', async () => {
    await cli.createUser('root@example.com', 'admin');
    await cli.role('helpers', 'users:read');
    const probe = [
      '*',
      'users:*',
      'users:create',
      'users:update',
      'users:delete',
      'permissions:grant',
      'roles:write',
      'api-keys:write',
      'auth:tokens',
      'config:write',
      'modules:write',
    ];
    for (const role of ['viewer', 'operator']) {
      const email = `${role}@example.com`;
      await cli.createUser(email, role);
      const before = [];
      for (const permission of probe) if (await cli.holds(email, permission)) before.push(permission);
      await cli.signIn(email);
      for (const args of [
        ['users:update', email, '--add-role', 'admin'],
        ['users:create', '--email', `new-${role}@example.com`, '--role', 'admin'],
        ['permissions:grant', '*', '--user', email],
        ['permissions:grant', 'users:delete', '--role', 'helpers'],
        ['auth:role:create', `mine-${role}`, '--permission', '*'],
        ['auth:role:update', 'helpers', '--add-permission', 'users:*'],
        ['api:keys:create', '--name', 'borrowed', '--user', 'root@example.com', '--scope', '*'],
        ['auth:token', '--user', 'root@example.com'],
      ]) {
        expectFailure(await cli.as(...args, '--json'), 4, 'PERMISSION_DENIED');
      }
      const after = [];
      for (const permission of probe) if (await cli.holds(email, permission)) after.push(permission);
      expect(after, role).to.deep.equal(before);
      expectFailure(await cli.localRun('users:get', `new-${role}@example.com`, '--json'), 3, 'USER_NOT_FOUND');
    }
    const roles = (await cli.local('auth:role', '--json')).json().data as Array<{name: string; permissions: string[]}>;
    expect(roles.map((role) => role.name)).to.deep.equal(['admin', 'helpers', 'operator', 'viewer']);
    expect(roles.find((role) => role.name === 'helpers')!.permissions).to.deep.equal(['users:read']);
  });
});
