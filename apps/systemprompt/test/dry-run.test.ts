import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

// Every module of the app, as installed.
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * A dry run validates everything a real run would: for each command that has --dry-run, bad input is
 * refused with the same exit code and error code with and without it, and a valid dry run changes
 * nothing.
 */
describeEachEngine('--dry-run validates what a real run does', {root}, (t) => {
  /** Bad input, and the exit code and error code a real run gives it. */
  const INVALID: Array<[string[], number, string]> = [
    [['users:create', '--email', 'not-an-email'], 2, 'EMAIL_INVALID'],
    [['users:create', '--email', 'ana@example.com', '--role', 'wizard'], 3, 'ROLE_NOT_FOUND'],
    [['users:create', '--email', 'admіn@example.com'], 2, 'EMAIL_MIXED_SCRIPT'],
    [['users:create', '--email', 'taken@example.com'], 5, 'USER_EXISTS'],
    [['users:update', 'nobody@example.com', '--name', 'x'], 3, 'USER_NOT_FOUND'],
    [['users:update', 'taken@example.com', '--add-role', 'wizard'], 3, 'ROLE_NOT_FOUND'],
    [['users:delete', 'nobody@example.com', '--confirm'], 3, 'USER_NOT_FOUND'],
    [['permissions:grant', 'not-a-permission', '--user', 'taken@example.com'], 2, 'PERMISSION_INVALID'],
    [['permissions:grant', 'users:read', '--user', 'nobody@example.com'], 3, 'USER_NOT_FOUND'],
    [['permissions:revoke', 'users:read', '--role', 'wizard'], 3, 'ROLE_NOT_FOUND'],
    [['api:keys:create', '--name', 'k', '--user', 'nobody@example.com', '--scope', 'users:read'], 3, 'USER_NOT_FOUND'],
    [['api:keys:create', '--name', 'k', '--user', 'taken@example.com', '--scope', 'no-such:thing'], 2, 'SCOPE_UNKNOWN'],
    [['auth:role:create', 'Not A Name'], 2, 'ROLE_NAME_INVALID'],
    [['auth:role:create', 'viewer'], 5, 'ROLE_EXISTS'],
    [['auth:role:update', 'wizard', '--description', 'x'], 3, 'ROLE_NOT_FOUND'],
    [['auth:role:delete', 'wizard', '--confirm'], 3, 'ROLE_NOT_FOUND'],
    [['auth:role:delete', 'admin', '--confirm'], 2, 'ROLE_BUILTIN'],
    [['config:set', 'logger.level', 'loud'], 2, 'CONFIG_INVALID'],
    [['config:set', 'nope.key', '1'], 2, 'CONFIG_MODULE_UNKNOWN'],
    [['config:unset', 'nope.key'], 2, 'CONFIG_MODULE_UNKNOWN'],
    [['config:rollback', '--to', '999', '--confirm'], 2, 'CONFIG_VERSION_UNKNOWN'],
    [['config:import', '/nonexistent/config.yaml'], 2, 'CONFIG_FILE_UNREADABLE'],
    [
      ['config:provider:add', 'Bad Name', '--kind', 'openai', '--base-url', 'http://127.0.0.1:9/v1'],
      2,
      'PROVIDER_NAME_INVALID',
    ],
    [['config:provider:add', 'local', '--kind', 'openai', '--base-url', 'not a url'], 2, 'PROVIDER_URL_INVALID'],
    [['config:provider:update', 'nope', '--base-url', 'http://127.0.0.1:9/v1'], 3, 'PROVIDER_NOT_FOUND'],
    [['config:provider:remove', 'nope', '--confirm'], 3, 'PROVIDER_NOT_FOUND'],
    [['config:model:add', 'nope', 'gpt-4o'], 3, 'PROVIDER_NOT_FOUND'],
    [['config:model:default', 'nope', 'gpt-4o'], 3, 'PROVIDER_NOT_FOUND'],
    [['config:model:remove', 'nope', 'gpt-4o'], 3, 'PROVIDER_NOT_FOUND'],
    [['database:migrate', '--module', 'nope'], 3, 'MODULE_NOT_FOUND'],
    [['database:rollback', '--module', 'nope', '--confirm'], 3, 'MODULE_NOT_FOUND'],
  ];

  beforeEach(async () => {
    expect((await t.cli('users:create', '--email', 'taken@example.com')).exitCode).to.equal(0);
  });

  it('refuses bad input the same way with and without --dry-run, and the dry run changes nothing', async () => {
    const before = (await t.cli('users:activity', '--limit', '0', '--json')).json().meta.total as number;
    for (const [args, exitCode, code] of INVALID) {
      expectFailure(await t.cli(...args, '--json'), exitCode, code);
      expectFailure(await t.cli(...args, '--dry-run', '--json'), exitCode, code);
    }
    const users = (await t.cli('users:list', '--json')).json().data.map((user: {email: string}) => user.email);
    expect(users).to.deep.equal(['taken@example.com']);
    // Refusals may be audited; nothing else was written.
    const changes = ((await t.cli('users:activity', '--limit', '0', '--json')).json().data as Array<{result: string}>)
      .slice(before)
      .filter((record) => record.result === 'ok');
    expect(changes).to.deep.equal([]);
  });

  it('changes nothing on a valid dry run', async () => {
    for (const args of [
      ['users:create', '--email', 'new@example.com', '--role', 'viewer'],
      ['users:update', 'taken@example.com', '--name', 'Renamed', '--add-role', 'viewer'],
      ['permissions:grant', 'users:read', '--user', 'taken@example.com'],
      ['auth:role:create', 'editor', '--permission', 'users:read'],
      ['config:set', 'logger.level', 'debug'],
      ['users:delete', 'taken@example.com', '--confirm'],
    ]) {
      const run = await t.cli(...args, '--dry-run', '--json');
      expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(0);
    }
    const user = (await t.cli('users:get', 'taken@example.com', '--json')).json().data;
    expect(user).to.include({name: null});
    expect(user.roles).to.deep.equal([]);
    expectFailure(await t.cli('users:get', 'new@example.com', '--json'), 3, 'USER_NOT_FOUND');
    expectFailure(
      await t.cli('permissions:check', 'taken@example.com', 'users:read', '--json'),
      4,
      'PERMISSION_NOT_HELD',
    );
    expectFailure(await t.cli('auth:role:update', 'editor', '--description', 'x', '--json'), 3, 'ROLE_NOT_FOUND');
    expect((await t.cli('config:get', 'logger.level', '--json')).json().data.value).to.not.equal('debug');
  });
});
