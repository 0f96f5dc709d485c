import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {createUser, login, ok, root, sql} from '../helpers/cli.js';

describeEachEngine('roles and the sign-in tables: auth:role*, auth:db', {root}, (t) => {
  const roles = async () =>
    (await ok(t, 'auth:role', '--json')).json().data as Array<{name: string; builtin: boolean; permissions: string[]}>;

  describe('auth:role', () => {
    it('lists the built-in roles with their permissions', async () => {
      const all = await roles();
      expect(all.map((role) => [role.name, role.builtin])).to.deep.equal([
        ['admin', true],
        ['operator', true],
        ['viewer', true],
      ]);
      expect(all.find((role) => role.name === 'viewer')!.permissions).to.deep.equal(['*:read']);
      const table = await ok(t, 'auth:role');
      expect(table.stdout.split('\n')[0]).to.match(/^NAME\s+DESCRIPTION\s+BUILTIN\s+PERMISSIONS$/);
    });

    it('creates, updates and deletes a role; its users gain and lose the permissions', async () => {
      const created = await ok(
        t,
        'auth:role:create',
        'auditor',
        '--description',
        'Reads the audit log',
        '--permission',
        'audit:read',
        '--permission',
        'auth:read',
        '--json',
      );
      expect(created.json().data).to.deep.equal({
        name: 'auditor',
        description: 'Reads the audit log',
        builtin: false,
        permissions: ['audit:read', 'auth:read'],
      });
      await createUser(t, 'ana@example.com', 'auditor');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'users:activity');
      expectFailure(await t.cli('users:list', '--json'), 4, 'PERMISSION_DENIED');
      // Role changes need roles:write.
      expectFailure(await t.cli('auth:role:create', 'x', '--json'), 4, 'PERMISSION_DENIED', 'roles:write is required');
      await ok(t, 'auth:logout');

      const updated = await ok(
        t,
        'auth:role:update',
        'auditor',
        '--add-permission',
        'users:read',
        '--remove-permission',
        'auth:read',
        '--description',
        'Audits',
        '--json',
      );
      expect(updated.json().data).to.deep.equal({
        name: 'auditor',
        description: 'Audits',
        builtin: false,
        permissions: ['audit:read', 'users:read'],
      });
      expectFailure(await t.cli('auth:role:update', 'auditor', '--json'), 2, 'NOTHING_TO_UPDATE');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'users:list');
      await ok(t, 'auth:logout');

      expectFailure(
        await t.cli('auth:role:delete', 'auditor', '--json'),
        2,
        'CONFIRMATION_REQUIRED',
        'Not confirmed: Delete role auditor',
      );
      expect((await ok(t, 'auth:role:delete', 'auditor', '--confirm', '--json')).json().data).to.deep.equal({
        name: 'auditor',
        deleted: true,
      });
      expect((await roles()).map((role) => role.name)).to.deep.equal(['admin', 'operator', 'viewer']);
      expectFailure(await t.cli('auth:role:delete', 'auditor', '--confirm', '--json'), 3, 'ROLE_NOT_FOUND');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      expectFailure(await t.cli('users:list', '--json'), 4, 'PERMISSION_DENIED');
    });

    it('refuses permissions no installed module declares (wildcards pass), bad names (2) and existing ones (5)', async () => {
      expectFailure(
        await t.cli('auth:role:create', 'x', '--permission', 'nothing:here', '--json'),
        2,
        'PERMISSION_UNKNOWN',
      );
      expectFailure(
        await t.cli('auth:role:create', 'x', '--permission', 'not a permission', '--json'),
        2,
        'PERMISSION_INVALID',
      );
      expectFailure(await t.cli('auth:role:create', 'Bad Name', '--json'), 2, 'ROLE_NAME_INVALID');
      await ok(t, 'auth:role:create', 'x', '--permission', 'auth:keys', '--permission', 'agents:*');
      expectFailure(
        await t.cli('auth:role:update', 'x', '--add-permission', 'nothing:here', '--json'),
        2,
        'PERMISSION_UNKNOWN',
      );
      expectFailure(await t.cli('auth:role:create', 'x', '--json'), 5, 'ROLE_EXISTS');
      expectFailure(await t.cli('auth:role:create', 'admin', '--json'), 5, 'ROLE_EXISTS');
    });

    it('leaves the built-in roles alone (exit 2)', async () => {
      for (const name of ['admin', 'operator', 'viewer']) {
        expectFailure(await t.cli('auth:role:delete', name, '--confirm', '--json'), 2, 'ROLE_BUILTIN');
      }
      expectFailure(
        await t.cli('auth:role:update', 'viewer', '--add-permission', 'users:create', '--json'),
        2,
        'ROLE_BUILTIN',
      );
      expect(
        (await ok(t, 'auth:role:update', 'viewer', '--description', 'Looks only', '--json')).json().data.description,
      ).to.equal('Looks only');
      expect(await roles()).to.have.length(3);
    });
  });

  describe('auth:db', () => {
    it('counts users, sessions, keys, providers and attempts, and cleans what no longer counts', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      await createUser(t, 'root@example.com', 'admin');
      expectFailure(await login(t, 'ana@example.com', 'wrong password'), 4, 'LOGIN_FAILED');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      expect((await login(t, 'root@example.com')).exitCode).to.equal(0);
      await ok(t, 'auth:generatekey');
      await ok(t, 'auth:generatekey');
      await ok(t, 'auth:providers:add', 'google', '--issuer', 'https://accounts.google.com', '--client-id', 'x');
      const counts = (await ok(t, 'auth:db', '--json')).json().data;
      expect(counts).to.deep.equal({
        users: 2,
        sessionsActive: 1,
        sessionsExpired: 0,
        sessionsRevoked: 1,
        keysActive: 1,
        keysVerifyOnly: 1,
        keysRetired: 0,
        providers: 1,
        mfaOn: 0,
        loginAttempts: 3,
        recentFailures: 1,
        secretsReadable: 0,
      });
      const table = await ok(t, 'auth:db');
      expect(table.stdout).to.match(/^sessionsActive\s+1$/m);

      // A viewer reads the counts but cannot clean.
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'auth:db');
      expectFailure(await t.cli('auth:db', '--clean', '--json'), 4, 'PERMISSION_DENIED', 'auth:maintain is required');

      expect((await login(t, 'root@example.com')).exitCode).to.equal(0);
      await sql(
        t,
        'UPDATE auth_login_attempts SET at = ? WHERE result = ?',
        new Date(Date.now() - 60 * 60_000).toISOString(),
        'failed',
      );
      const cleaned = await ok(t, 'auth:db', '--clean', '--json');
      // Three sessions ended by the sign-ins after them; the failed attempt is an hour old.
      expect(cleaned.json().data).to.deep.equal({sessionsDeleted: 3, loginAttemptsDeleted: 1});
      expect((await ok(t, 'auth:db', '--clean')).stderr).to.include('Deleted 0 sessions and 0 sign-in attempts.');
      const after = (await ok(t, 'auth:db', '--json')).json().data;
      expect(after).to.include({sessionsActive: 1, sessionsRevoked: 0, loginAttempts: 4, recentFailures: 0});
      const audit = await sql(t, "SELECT actor, result FROM users_audit WHERE action = 'auth.clean' ORDER BY id");
      expect(audit).to.deep.equal([
        {actor: 'ana@example.com', result: 'denied'},
        {actor: 'root@example.com', result: 'ok'},
        {actor: 'root@example.com', result: 'ok'},
      ]);
    });
  });
});
