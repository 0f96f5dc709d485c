import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {
  ALL_TABLES,
  PASSWORD,
  cliWith,
  createUser,
  databaseDump,
  filesContaining,
  login,
  modeOf,
  ok,
  root,
  runWithStdin,
  sql,
  withEnv,
} from '../helpers/cli.js';

describeEachEngine('sign-in: auth:login, auth:whoami, auth:logout and who runs a command', {root}, (t) => {
  const sessionFile = () => join(t.home.path, 'config', 'session.json');
  const activity = async (...args: string[]) =>
    (await ok(t, 'users:activity', ...args, '--limit', '0', '--json')).json().data as Array<Record<string, unknown>>;
  const trustOff = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'};

  // The test harness runs commands with local trust on (t.cli, t.env); tests of trust off say so with cliWith.

  describe('a session', () => {
    it('signs in, shows who is signed in and signs out; the token is only in the session file (mode 600)', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      const signedIn = await login(t, 'Ana@Example.com');
      expect(signedIn.exitCode, signedIn.stderr).to.equal(0);
      const data = signedIn.json().data;
      expect(data).to.include({email: 'ana@example.com', mfa: false});
      expect(Object.keys(data)).to.deep.equal(['email', 'userId', 'sessionId', 'expiresAt', 'mfa']);
      // auth.sessionTtlHours: 720 hours, within the test's own minute.
      expect(new Date(data.expiresAt).getTime() - Date.now()).to.be.within(719 * 3_600_000, 720 * 3_600_000);

      expect(await modeOf(sessionFile())).to.equal(0o600);
      const file = JSON.parse(await readFile(sessionFile(), 'utf8'));
      expect(Object.keys(file).sort()).to.deep.equal(['email', 'token']);
      expect(file.email).to.equal('ana@example.com');
      expect(signedIn.stdout + signedIn.stderr).not.to.include(file.token);

      const whoami = (await ok(t, 'auth:whoami', '--json')).json().data;
      expect(whoami).to.deep.equal({
        kind: 'user',
        id: data.userId,
        label: 'ana@example.com',
        via: 'session',
        roles: ['viewer'],
        scopes: null,
        mfa: 'off',
        permissions: [{permission: '*:read', source: 'role viewer'}],
      });
      const table = await ok(t, 'auth:whoami');
      expect(table.stdout)
        .to.match(/^email\s+ana@example\.com$/m)
        .and.match(/^via\s+session$/m)
        .and.match(/^roles\s+viewer$/m)
        .and.match(/^\s+\*:read\s+role viewer$/m);
      expect((await ok(t, 'users:get', 'ana@example.com', '--json')).json().data.lastLoginAt).to.be.a('string');
      expect((await activity('ana@example.com')).filter((row) => row.action === 'auth.login'))
        .to.have.length(1)
        .and.to.satisfy((rows: Array<Record<string, unknown>>) => rows[0]!.result === 'ok');

      // The database keeps the token's SHA-256 only; no file but the session file holds the token.
      const dump = await databaseDump(t, ALL_TABLES);
      expect(dump).not.to.include(file.token).and.not.to.include(PASSWORD);
      expect(dump).to.include(createHash('sha256').update(file.token).digest('hex'));
      expect(await filesContaining(t.home.path, file.token)).to.deep.equal(['config/session.json']);

      const out = await ok(t, 'auth:logout', '--json');
      expect(out.json().data).to.deep.equal({email: 'ana@example.com', signedOut: true});
      expect(existsSync(sessionFile())).to.equal(false);
      const [session] = await sql(t, 'SELECT revoked_at FROM users_sessions');
      expect(session.revoked_at).to.be.a('string');
      expect((await ok(t, 'auth:whoami', '--json')).json().data).to.include({kind: 'local', via: 'local-trust'});
      expect((await ok(t, 'auth:logout', '--json')).json().data).to.deep.equal({email: null, signedOut: false});
      expect((await activity('ana@example.com')).map((row) => row.action)).to.include('auth.logout');
    });

    it('signing in again ends the previous session', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      await createUser(t, 'bo@example.com', 'operator');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      expect((await login(t, 'bo@example.com')).exitCode).to.equal(0);
      expect((await ok(t, 'auth:whoami', '--json')).json().data).to.include({label: 'bo@example.com', via: 'session'});
      const sessions = await sql(t, 'SELECT user_id, revoked_at FROM users_sessions WHERE revoked_at IS NULL');
      expect(sessions).to.have.length(1);
    });

    it('a signed-in viewer may read but not create users (exit 4), and the refusal is in the audit log', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await ok(t, 'users:list');
      const refused = await t.cli('users:create', '--email', 'x@example.com', '--role', 'admin');
      expect(refused.exitCode).to.equal(4);
      expect(refused.stderr).to.include('ana@example.com may not').and.include('users:create is required');
      expect(refused.stderr).to.include('Hint: Ask an administrator for the permission');
      const denied = (await activity()).filter((row) => row.result === 'denied');
      expect(denied).to.have.length(1);
      expect(denied[0]).to.include({
        actor: 'ana@example.com',
        action: 'users.create',
        target: 'x@example.com',
        permission: 'users:create',
      });
      const rows = await sql(t, "SELECT actor, action, result FROM users_audit WHERE result = 'denied'");
      expect(rows).to.deep.equal([{actor: 'ana@example.com', action: 'users.create', result: 'denied'}]);
      expect((await ok(t, 'users:list', '--json')).json().data.map((row: {email: string}) => row.email)).to.deep.equal([
        'ana@example.com',
      ]);
      // The same refusal in JSON, after the audit checks above (it is audited too).
      expectFailure(
        await t.cli('users:create', '--email', 'x@example.com', '--role', 'admin', '--json'),
        4,
        'PERMISSION_DENIED',
        'users:create is required',
      );
    });

    it('an expired or revoked session is exit 4 with a hint to sign in again; auth:logout clears it', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await sql(t, 'UPDATE users_sessions SET expires_at = ?', '2000-01-01T00:00:00.000Z');
      const expired = await t.cli('users:list');
      expect(expired.exitCode).to.equal(4);
      expect(expired.stderr).to.equal(
        'The session of ana@example.com has expired or was revoked\nHint: Sign in again with auth:login (or auth:logout to remove the session file).\n',
      );
      expectFailure(await t.cli('users:list', '--json'), 4, 'SESSION_EXPIRED');
      expectFailure(await t.cli('auth:whoami', '--json'), 4, 'SESSION_EXPIRED');
      expect((await ok(t, 'auth:logout', '--json')).json().data.signedOut).to.equal(true);
      expect((await ok(t, 'auth:whoami', '--json')).json().data.kind).to.equal('local');

      expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
      await sql(t, 'UPDATE users_sessions SET revoked_at = ?', new Date().toISOString());
      expectFailure(await t.cli('users:list', '--json'), 4, 'SESSION_EXPIRED');
    });

    it('refuses a session file that is not one (exit 4)', async () => {
      await ok(t, 'auth:whoami');
      const {writeFile, mkdir} = await import('node:fs/promises');
      await mkdir(join(t.home.path, 'config'), {recursive: true});
      await writeFile(sessionFile(), 'not json', {mode: 0o600});
      expectFailure(await t.cli('users:list', '--json'), 4, 'SESSION_FILE_INVALID');
      await ok(t, 'auth:logout');
      expect(existsSync(sessionFile())).to.equal(false);
    });
  });

  describe('local trust', () => {
    it('off and nobody signed in: commands are refused with exit 4 and the sign-in hint', async () => {
      await createUser(t, 'root@example.com', 'admin');
      const refused = await cliWith(t, trustOff, 'users:list');
      expect(refused.exitCode).to.equal(4);
      expect(refused.stderr).to.match(
        /^anonymous may not list: users:read is required \(not signed in\)\nHint: Sign in with auth:login/,
      );
      expectFailure(await cliWith(t, trustOff, 'users:list', '--json'), 4, 'PERMISSION_DENIED');
      const whoami = await cliWith(t, trustOff, 'auth:whoami', '--json');
      expect(whoami.json().data).to.deep.include({kind: 'anonymous', via: 'none', permissions: []});
      expect((await cliWith(t, trustOff, 'auth:whoami')).stderr).to.include('Nobody is signed in');

      expect((await login(t, 'root@example.com', PASSWORD)).exitCode).to.equal(0);
      expect((await cliWith(t, trustOff, 'users:list', '--json')).json().data).to.have.length(1);
      expect((await cliWith(t, trustOff, 'auth:whoami', '--json')).json().data.permissions).to.deep.equal([
        {permission: '*', source: 'role admin'},
      ]);
    });

    it('is on by default for SQLite and off for MySQL', async () => {
      const unset = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: undefined};
      const whoami = (await cliWith(t, unset, 'auth:whoami', '--json')).json().data;
      expect(whoami.kind).to.equal(t.engine === 'sqlite' ? 'local' : 'anonymous');
      const list = await cliWith(t, unset, 'users:list', '--json');
      if (t.engine === 'sqlite') expect(list.exitCode, list.stdout).to.equal(0);
      else expectFailure(list, 4, 'PERMISSION_DENIED');
    });
  });

  describe('failed sign-ins', () => {
    it('a wrong password or an unknown email is exit 4 with the same message, recorded per email', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      const wrong = await login(t, 'ana@example.com', 'not the password');
      expect(expectFailure(wrong, 4, 'LOGIN_FAILED').message).to.equal(
        'Wrong email or password, or the user is disabled',
      );
      const unknown = await login(t, 'nobody@example.com', 'whatever1');
      expect(expectFailure(unknown, 4, 'LOGIN_FAILED').message).to.equal(wrong.json().error.message);
      expect(existsSync(sessionFile())).to.equal(false);
      const failures = (await activity()).filter((row) => row.action === 'auth.login');
      expect(failures.map((row) => [row.actor, row.target, row.result])).to.deep.equal([
        ['anonymous', 'ana@example.com', 'failed'],
        ['anonymous', 'nobody@example.com', 'failed'],
      ]);
      expect(await databaseDump(t, ALL_TABLES)).not.to.include('not the password');
    });

    it('without a terminal needs --email and --password-stdin (exit 2); an empty password is exit 2', async () => {
      const run = await t.cli('auth:login', '--email', 'ana@example.com', '--json');
      expectFailure(run, 2, 'LOGIN_CREDENTIALS_REQUIRED');
      expectFailure(
        await runWithStdin(t, ['auth:login', '--email', 'ana@example.com', '--password-stdin', '--json'], ''),
        2,
        'STDIN_EMPTY',
      );
      expectFailure(await login(t, 'not-an-email'), 2, 'EMAIL_INVALID');
    });

    it('locks an email after loginMaxFailures failures, even for the right password, until the lock passes', async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      await createUser(t, 'bo@example.com', 'viewer');
      await withEnv({SYSTEMPROMPT_AUTH_LOGIN_MAX_FAILURES: '3'}, async () => {
        // A success in between starts the count again.
        expectFailure(await login(t, 'ana@example.com', 'wrong-1'), 4, 'LOGIN_FAILED');
        expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
        for (const attempt of [1, 2])
          expectFailure(await login(t, 'ana@example.com', `wrong-${attempt}`), 4, 'LOGIN_FAILED');
        expectFailure(
          await login(t, 'ana@example.com', 'wrong-3'),
          4,
          'LOGIN_FAILED',
          /; sign-in for ana@example\.com is locked until \d{4}-/,
        );

        const locked = expectFailure(await login(t, 'ana@example.com'), 4, 'LOGIN_LOCKED');
        const lockedUntil = new Date(locked.details!.lockedUntil).getTime();
        expect(lockedUntil - Date.now()).to.be.within(14 * 60_000, 15 * 60_000);
        // Per email: others sign in.
        expect((await login(t, 'bo@example.com')).exitCode).to.equal(0);
        expect((await ok(t, 'auth:db', '--json')).json().data).to.include({recentFailures: 4});

        // 16 minutes later the failures no longer count.
        await sql(t, 'UPDATE auth_login_attempts SET at = ?', new Date(Date.now() - 16 * 60_000).toISOString());
        const again = await login(t, 'ana@example.com');
        expect(again.exitCode, again.stdout).to.equal(0);
      });
      const reasons = (await activity('ana@example.com'))
        .filter((row) => row.action === 'auth.login')
        .map((row) => `${row.result}:${(row.details as {reason?: string} | null)?.reason ?? ''}`);
      expect(reasons).to.deep.equal([
        'failed:wrong email or password',
        'ok:',
        'failed:wrong email or password',
        'failed:wrong email or password',
        'failed:wrong email or password',
        'failed:locked',
        'ok:',
      ]);
    });
  });

  describe('SYSTEMPROMPT_API_KEY', () => {
    it("runs commands as the key's owner within its scopes, before any session", async () => {
      await createUser(t, 'ana@example.com', 'viewer');
      await createUser(t, 'bo@example.com', 'admin');
      const created = await ok(
        t,
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--json',
      );
      const key = created.json().data.key as string;
      expect((await login(t, 'bo@example.com')).exitCode).to.equal(0);
      await withEnv({SYSTEMPROMPT_API_KEY: key}, async () => {
        const whoami = (await ok(t, 'auth:whoami', '--json')).json().data;
        expect(whoami).to.deep.include({
          kind: 'user',
          label: 'ana@example.com',
          via: 'api-key',
          scopes: ['users:read'],
        });
        await ok(t, 'users:list');
        expectFailure(
          await t.cli('users:activity', '--json'),
          4,
          'PERMISSION_DENIED',
          'not within the scopes of the API key used',
        );
      });
      expect((await ok(t, 'auth:whoami', '--json')).json().data.label).to.equal('bo@example.com');
    });

    it('an invalid key is exit 4, and the key is not repeated', async () => {
      const bad = 'spk_live_this-is-not-a-key-0123456789';
      await withEnv({SYSTEMPROMPT_API_KEY: bad}, async () => {
        const run = await t.cli('users:list');
        expect(run.exitCode).to.equal(4);
        expect(run.stderr).to.match(/^SYSTEMPROMPT_API_KEY is not a valid API key\nHint: /);
        expect(run.stdout + run.stderr).not.to.include(bad);
        const json = await t.cli('auth:whoami', '--json');
        expectFailure(json, 4, 'API_KEY_INVALID');
        expect(json.stdout).not.to.include(bad);
      });
    });
  });
});
