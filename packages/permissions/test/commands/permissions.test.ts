import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('permissions commands', {root}, (t) => {
  beforeEach(async () => {
    expect((await t.cli('users:create', '--email', 'ana@example.com', '--role', 'viewer')).exitCode).to.equal(0);
  });

  it('lists declared permissions with the roles that cover them', async () => {
    const {data} = (await t.cli('permissions:list', '--json')).json();
    const read = data.find((row: {name: string}) => row.name === 'users:read');
    expect(read).to.deep.include({module: 'users', roles: ['admin', 'operator', 'viewer']});
    const remove = data.find((row: {name: string}) => row.name === 'users:delete');
    expect(remove.roles).to.deep.equal(['admin']);
    const roles = (await t.cli('permissions:list', '--roles', '--json')).json().data;
    expect(roles.map((role: {name: string}) => role.name)).to.deep.equal(['admin', 'operator', 'viewer']);
  });

  it("explains the path: through a role's wildcard, a direct grant, or nothing (exit 4)", async () => {
    const viaRole = await t.cli('permissions:check', 'ana@example.com', 'users:read', '--json');
    expect(viaRole.exitCode, viaRole.stderr).to.equal(0);
    expect(viaRole.json().data).to.deep.include({allowed: true, path: 'via wildcard *:read (role viewer)'});

    const denied = expectFailure(
      await t.cli('permissions:check', 'ana@example.com', 'users:delete', '--json'),
      4,
      'PERMISSION_NOT_HELD',
    );
    expect(denied.message).to.equal('ana@example.com does not hold users:delete: no role or grant gives it');

    expect((await t.cli('permissions:grant', 'users:delete', '--user', 'ana@example.com')).exitCode).to.equal(0);
    expect((await t.cli('permissions:check', 'ana@example.com', 'users:delete', '--json')).json().data.path).to.equal(
      'direct grant',
    );
    expect((await t.cli('permissions:revoke', 'users:delete', '--user', 'ana@example.com')).exitCode).to.equal(0);
    expectFailure(
      await t.cli('permissions:check', 'ana@example.com', 'users:delete', '--json'),
      4,
      'PERMISSION_NOT_HELD',
    );

    await t.cli('permissions:grant', 'users:*', '--user', 'ana@example.com');
    expect((await t.cli('permissions:check', 'ana@example.com', 'users:delete', '--json')).json().data.path).to.equal(
      'via wildcard users:* (direct grant)',
    );
  });

  it('denies everything to a disabled user', async () => {
    await t.cli('users:disable', 'ana@example.com');
    const refused = expectFailure(
      await t.cli('permissions:check', 'ana@example.com', 'users:read', '--json'),
      4,
      'PERMISSION_NOT_HELD',
    );
    expect(refused.message).to.equal('ana@example.com does not hold users:read: the user is disabled');
  });

  it('refuses bad input with exit 2 and unknown users with exit 3', async () => {
    const invalid: Array<[string[], string]> = [
      [['permissions:grant', 'not a permission', '--user', 'ana@example.com'], 'PERMISSION_INVALID'],
      [['permissions:grant', 'users:fly', '--user', 'ana@example.com'], 'PERMISSION_UNKNOWN'],
      [['permissions:grant', 'users:read', '--user', 'ana@example.com', '--role', 'viewer'], 'INVALID_USAGE'],
      [['permissions:grant', 'users:read'], 'GRANT_SUBJECT'],
      [['permissions:grant', 'users:read', '--role', 'viewer'], 'ROLE_BUILTIN'],
      [['permissions:check', 'ana@example.com', 'nope'], 'PERMISSION_INVALID'],
    ];
    for (const [args, code] of invalid) expectFailure(await t.cli(...args, '--json'), 2, code);
    expectFailure(
      await t.cli('permissions:grant', 'users:read', '--user', 'ghost@example.com', '--json'),
      3,
      'USER_NOT_FOUND',
    );
    expectFailure(await t.cli('permissions:check', 'ghost@example.com', 'users:read', '--json'), 3, 'USER_NOT_FOUND');
  });

  it('audits each use of a permission', async () => {
    await t.cli('permissions:grant', 'users:delete', '--user', 'ana@example.com');
    const {data} = (await t.cli('permissions:audit', '--json')).json();
    expect(
      data.map(
        (record: {action: string; permission: string; result: string; target: string}) =>
          `${record.action}:${record.permission}:${record.result}:${record.target}`,
      ),
    ).to.deep.equal([
      'users.create:users:create:ok:ana@example.com',
      'permissions.grant:permissions:grant:ok:ana@example.com',
    ]);
  });
});
