import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine} from '@systemprompt/testing';

// Every module of the app, as installed.
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * A dry run validates everything a real run would: for each command that has --dry-run, bad input is
 * refused with the same exit code and error code with and without it, and a valid dry run changes
 * nothing.
 */
describeEachEngine('--dry-run validates what a real run does', {root}, (t) => {
  const INVALID: string[][] = [
    ['users:create', '--email', 'not-an-email'],
    ['users:create', '--email', 'ana@example.com', '--role', 'wizard'],
    ['users:create', '--email', 'admіn@example.com'],
    ['users:create', '--email', 'taken@example.com'],
    ['users:update', 'nobody@example.com', '--name', 'x'],
    ['users:update', 'taken@example.com', '--add-role', 'wizard'],
    ['users:delete', 'nobody@example.com', '--confirm'],
    ['permissions:grant', 'not-a-permission', '--user', 'taken@example.com'],
    ['permissions:grant', 'users:read', '--user', 'nobody@example.com'],
    ['permissions:revoke', 'users:read', '--role', 'wizard'],
    ['api:keys:create', '--name', 'k', '--user', 'nobody@example.com', '--scope', 'users:read'],
    ['api:keys:create', '--name', 'k', '--user', 'taken@example.com', '--scope', 'no-such:thing'],
    ['auth:role:create', 'Not A Name'],
    ['auth:role:create', 'viewer'],
    ['auth:role:update', 'wizard', '--description', 'x'],
    ['auth:role:delete', 'wizard', '--confirm'],
    ['auth:role:delete', 'admin', '--confirm'],
    ['config:set', 'logger.level', 'loud'],
    ['config:set', 'nope.key', '1'],
    ['config:unset', 'nope.key'],
    ['config:rollback', '--to', '999', '--confirm'],
    ['config:import', '/nonexistent/config.yaml', '--confirm'],
    ['config:provider:add', 'Bad Name', '--kind', 'openai', '--base-url', 'http://127.0.0.1:9/v1'],
    ['config:provider:add', 'local', '--kind', 'openai', '--base-url', 'not a url'],
    ['config:provider:update', 'nope', '--base-url', 'http://127.0.0.1:9/v1'],
    ['config:provider:remove', 'nope', '--confirm'],
    ['config:model:add', 'nope', 'gpt-4o'],
    ['config:model:default', 'nope', 'gpt-4o'],
    ['config:model:remove', 'nope', 'gpt-4o', '--confirm'],
    ['database:migrate', '--module', 'nope'],
    ['database:rollback', '--module', 'nope', '--confirm'],
  ];

  beforeEach(async () => {
    expect((await t.cli('users:create', '--email', 'taken@example.com')).exitCode).to.equal(0);
  });

  it('refuses bad input the same way with and without --dry-run, and the dry run changes nothing', async () => {
    const before = (await t.cli('users:activity', '--limit', '0', '--json')).json().meta.total as number;
    for (const args of INVALID) {
      const real = await t.cli(...args, '--json');
      const dry = await t.cli(...args, '--dry-run', '--json');
      expect(real.exitCode, `${args.join(' ')}: ${real.stdout}`).to.be.greaterThan(1);
      expect(dry.exitCode, `${args.join(' ')} --dry-run: ${dry.stdout}`).to.equal(real.exitCode);
      expect(dry.json().error.code, args.join(' ')).to.equal(real.json().error.code);
    }
    const users = (await t.cli('users:list', '--json')).json().data.map((user: {email: string}) => user.email);
    expect(users).to.deep.equal(['taken@example.com']);
    // Refusals may be audited; nothing else was written.
    const changes = ((await t.cli('users:activity', '--limit', '0', '--json')).json().data as Array<{result: string}>).slice(before).filter((record) => record.result === 'ok');
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
    expect((await t.cli('users:get', 'new@example.com')).exitCode).to.equal(3);
    expect((await t.cli('permissions:check', 'taken@example.com', 'users:read')).exitCode).to.equal(4);
    expect((await t.cli('auth:role:update', 'editor', '--description', 'x')).exitCode).to.equal(3);
    expect((await t.cli('config:get', 'logger.level', '--json')).json().data.value).to.not.equal('debug');
  });
});
