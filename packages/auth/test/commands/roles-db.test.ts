import {expect} from 'chai';
import {describeEachEngine} from '@systemprompt/testing';
import {createUser, login, ok, root, sql} from '../helpers/cli.js';

describeEachEngine('roles and the sign-in tables: auth:role*, auth:db', {root}, (t) => {
  const roles = async () => (await ok(t, 'auth:role', '--json')).json().data as Array<{name: string; builtin: boolean; permissions: string[]}>;

  describe('auth:role', () => {
    it('lists the built-in roles with their permissions', async () => {
      const all = await roles();
      expect(all.map((role) => [role.name, role.builtin])).to.deep.equal([['admin', true], ['operator', true], ['viewer', true]]);
      expect(all.find((role) => role.name === 'viewer')!.permissions).to.deep.equal(['*:read']);
      const table = await ok(t, 'auth:role');
      expect(table.stdout.split('\n')[0]).to.match(/^NAME\s+DESCRIPTION\s+BUILTIN\s+PERMISSIONS$/);
    });

    it('creates, updates and deletes a role; its users gain and lose the permissions', async () => {
      const created = await ok(t, 'auth:role:create', 'auditor', '--description', 'Reads the audit log', '--permission', 'audit:read', '--permission', 'auth:read', '--json');
      expect(created.json().data).to.deep.equal({name: 'auditor', description: 'Reads the audit log', builtin: false, permissions: ['audit:read', 'auth:read']});
      await createUser(t, 'ana@example.com', 'auditor');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'users:activity');
      expect((await t.cli('users:list')).exitCode).to.equal(4);
      // Role changes need roles:write.
      expect((await t.cli('auth:role:create', 'x')).exitCode).to.equal(4);
      await ok(t, 'auth:logout');

      const updated = await ok(t, 'auth:role:update', 'auditor', '--add-permission', 'users:read', '--remove-permission', 'auth:read', '--description', 'Audits', '--json');
      expect(updated.json().data).to.deep.equal({name: 'auditor', description: 'Audits', builtin: false, permissions: ['audit:read', 'users:read']});
      expect((await t.cli('auth:role:update', 'auditor')).exitCode).to.equal(2);
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'users:list');
      await ok(t, 'auth:logout');

      const unconfirmed = await t.cli('auth:role:delete', 'auditor');
      expect(unconfirmed.exitCode).to.equal(2);
      expect(unconfirmed.stderr).to.include('Not confirmed: Delete role auditor');
      expect((await ok(t, 'auth:role:delete', 'auditor', '--confirm', '--json')).json().data).to.deep.equal({name: 'auditor', deleted: true});
      expect((await roles()).map((role) => role.name)).to.deep.equal(['admin', 'operator', 'viewer']);
      expect((await t.cli('auth:role:delete', 'auditor', '--confirm')).exitCode).to.equal(3);
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      expect((await t.cli('users:list')).exitCode).to.equal(4);
    });

    it('refuses permissions no installed module declares (wildcards pass), bad names (2) and existing ones (5)', async () => {
      const unknown = await t.cli('auth:role:create', 'x', '--permission', 'nothing:here', '--json');
      expect(unknown.exitCode).to.equal(2);
      expect(unknown.json().error.code).to.equal('PERMISSION_UNKNOWN');
      expect((await t.cli('auth:role:create', 'x', '--permission', 'not a permission')).exitCode).to.equal(2);
      expect((await t.cli('auth:role:create', 'Bad Name')).exitCode).to.equal(2);
      await ok(t, 'auth:role:create', 'x', '--permission', 'auth:keys', '--permission', 'agents:*');
      expect((await t.cli('auth:role:update', 'x', '--add-permission', 'nothing:here')).exitCode).to.equal(2);
      expect((await t.cli('auth:role:create', 'x', '--json')).json().error.code).to.equal('ROLE_EXISTS');
      expect((await t.cli('auth:role:create', 'admin')).exitCode).to.equal(5);
    });

    it('leaves the built-in roles alone (exit 2)', async () => {
      for (const name of ['admin', 'operator', 'viewer']) {
        const run = await t.cli('auth:role:delete', name, '--confirm', '--json');
        expect(run.exitCode, name).to.equal(2);
        expect(run.json().error.code).to.equal('ROLE_BUILTIN');
      }
      expect((await t.cli('auth:role:update', 'viewer', '--add-permission', 'users:create')).exitCode).to.equal(2);
      expect((await ok(t, 'auth:role:update', 'viewer', '--description', 'Looks only', '--json')).json().data.description).to.equal('Looks only');
      expect(await roles()).to.have.length(3);
    });
  });

  describe('auth:db', () => {
    it('counts users, sessions, keys, providers and attempts, and cleans what no longer counts', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      await createUser(t, 'root@example.com', 'admin');
      expect((await login(t, 'ana@example.com', 'wrong password')).exitCode).to.equal(4);
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      expect((await login(t, 'root@example.com')).exitCode).to.equal(0);
      await ok(t, 'auth:generatekey');
      await ok(t, 'auth:generatekey');
      await ok(t, 'auth:providers:add', 'google', '--issuer', 'https://accounts.google.com', '--client-id', 'x');
      const counts = (await ok(t, 'auth:db', '--json')).json().data;
      expect(counts).to.deep.equal({
        users: 2, sessionsActive: 1, sessionsExpired: 0, sessionsRevoked: 1, keysActive: 1, keysVerifyOnly: 1, keysRetired: 0,
        providers: 1, mfaOn: 0, loginAttempts: 3, recentFailures: 1, secretsReadable: 0,
      });
      const table = await ok(t, 'auth:db');
      expect(table.stdout).to.match(/^sessionsActive\s+1$/m);

      // A viewer reads the counts but cannot clean.
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'auth:db');
      const denied = await t.cli('auth:db', '--clean');
      expect(denied.exitCode).to.equal(4);
      expect(denied.stderr).to.include('auth:maintain is required');

      expect((await login(t, 'root@example.com')).exitCode).to.equal(0);
      await sql(t, 'UPDATE auth_login_attempts SET at = ? WHERE result = ?', new Date(Date.now() - 60 * 60_000).toISOString(), 'failed');
      const cleaned = await ok(t, 'auth:db', '--clean', '--json');
      // Three sessions ended by the sign-ins after them; the failed attempt is an hour old.
      expect(cleaned.json().data).to.deep.equal({sessionsDeleted: 3, loginAttemptsDeleted: 1});
      expect((await ok(t, 'auth:db', '--clean')).stderr).to.include('Deleted 0 sessions and 0 sign-in attempts.');
      const after = (await ok(t, 'auth:db', '--json')).json().data;
      expect(after).to.include({sessionsActive: 1, sessionsRevoked: 0, loginAttempts: 4, recentFailures: 0});
      const audit = await sql(t, "SELECT actor, result FROM users_audit WHERE action = 'auth.clean' ORDER BY id");
      expect(audit).to.deep.equal([{actor: 'ana@example.com', result: 'denied'}, {actor: 'root@example.com', result: 'ok'}, {actor: 'root@example.com', result: 'ok'}]);
    });
  });
});
