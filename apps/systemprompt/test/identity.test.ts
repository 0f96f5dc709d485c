import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, runCli} from '@systemprompt/testing';

// Every module of the app, as installed: users, permissions, auth, api, config, database.
const root = fileURLToPath(new URL('..', import.meta.url));

describeEachEngine('identity and access: the full scenario', {root}, (t) => {
  it('creates a user and a role, grants, checks, revokes, disables and deletes, all audited', async () => {
    const created = await t.cli('users:create', '--email', 'eve@example.com', '--name', 'Eve', '--json');
    expect(created.exitCode, created.stderr).to.equal(0);
    expectFailure(await t.cli('users:create', '--email', 'eve@example.com', '--json'), 5, 'USER_EXISTS');
    expectFailure(await t.cli('users:create', '--email', 'eve-at-example', '--json'), 2, 'EMAIL_INVALID');

    expect((await t.cli('auth:role:create', 'editor', '--description', 'Edits things')).exitCode).to.equal(0);
    expect((await t.cli('permissions:grant', 'users:read', '--role', 'editor')).exitCode).to.equal(0);
    expect((await t.cli('users:update', 'eve@example.com', '--add-role', 'editor')).exitCode).to.equal(0);

    const allowed = await t.cli('permissions:check', 'eve@example.com', 'users:read', '--json');
    expect(allowed.exitCode, allowed.stderr).to.equal(0);
    expect(allowed.json().data.path).to.equal('via role editor');
    expectFailure(
      await t.cli('permissions:check', 'eve@example.com', 'users:delete', '--json'),
      4,
      'PERMISSION_NOT_HELD',
    );

    expect((await t.cli('permissions:revoke', 'users:read', '--role', 'editor')).exitCode).to.equal(0);
    expectFailure(
      await t.cli('permissions:check', 'eve@example.com', 'users:read', '--json'),
      4,
      'PERMISSION_NOT_HELD',
    );

    const disabled = await t.cli('users:disable', 'eve@example.com', '--json');
    expect(disabled.json().data.status).to.equal('disabled');
    expect((await t.cli('users:get', 'eve@example.com', '--json')).json().data.status).to.equal('disabled');

    expectFailure(await t.cli('users:delete', 'eve@example.com', '--json'), 2, 'CONFIRMATION_REQUIRED');
    expect((await t.cli('users:get', 'eve@example.com')).exitCode).to.equal(0);
    expect((await t.cli('users:delete', 'eve@example.com', '--confirm')).exitCode).to.equal(0);
    expectFailure(await t.cli('users:get', 'eve@example.com', '--json'), 3, 'USER_NOT_FOUND');

    const activity = (await t.cli('users:activity', 'eve@example.com', '--json')).json().data;
    expect(
      activity.map((record: {action: string; result: string}) => `${record.action}:${record.result}`),
    ).to.deep.equal(['users.create:ok', 'users.update:ok', 'users.disable:ok', 'users.delete:ok']);
    const all = (await t.cli('users:activity', '--json'))
      .json()
      .data.map((record: {action: string; target: string}) => `${record.action}:${record.target}`);
    expect(all).to.include.members(['roles.create:editor', 'permissions.grant:editor', 'permissions.revoke:editor']);
  });

  it('with local trust off and nobody signed in, refuses what needs a permission (exit 4, hint to sign in)', async () => {
    const anonymous = (...args: string[]) =>
      runCli(args, {
        root,
        home: t.home.path,
        env: {
          ...t.database.env,
          SYSTEMPROMPT_DATABASE_URL: t.database.env.SYSTEMPROMPT_DATABASE_URL,
          SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false',
        },
      });
    for (const args of [
      ['users:list'],
      ['users:create', '--email', 'x@example.com'],
      ['config:set', 'logger.level', 'debug'],
      ['database:query', 'SELECT 1'],
      ['database:query', 'DELETE FROM users', '--write', '--confirm'],
      ['modules:disable', 'x'],
    ]) {
      const run = await anonymous(...args);
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).to.equal(4);
      expect(run.stderr, args.join(' ')).to.match(
        /^anonymous may not .*: [a-z-]+:[a-z-]+ is required \(not signed in\)\nHint: Sign in with auth:login/,
      );
      expectFailure(await anonymous(...args, '--json'), 4, 'PERMISSION_DENIED');
    }
    // Commands that need no permission still work.
    expect((await anonymous('cli:list', '--topic', 'users')).exitCode).to.equal(0);
    const denials = (await t.cli('permissions:audit', '--filter', 'result=denied', '--json')).json().data;
    expect(denials.map((record: {actor: string}) => record.actor)).to.include('anonymous');
  });
});
