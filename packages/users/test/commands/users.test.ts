import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('users commands', {root}, (t) => {
  const create = (email: string, ...extra: string[]) => t.cli('users:create', '--email', email, ...extra, '--json');

  it('creates a user with roles, normalizing the email, and gets it by email or id', async () => {
    const run = await create('Ana@Example.COM', '--name', 'Ana', '--role', 'viewer');
    expect(run.exitCode, run.stderr).to.equal(0);
    const user = run.json().data;
    expect(user).to.include({email: 'ana@example.com', name: 'Ana', status: 'enabled', hasPassword: false});
    expect(user.roles).to.deep.equal(['viewer']);
    expect((await t.cli('users:get', 'ana@example.com', '--json')).json().data.id).to.equal(user.id);
    expect((await t.cli('users:get', user.id, '--json')).json().data.email).to.equal('ana@example.com');
  });

  it('refuses an invalid email (2), a duplicate (5), an unknown role (3) and changes nothing', async () => {
    expect((await create('not-an-email')).exitCode).to.equal(2);
    expect((await create('a@b')).exitCode).to.equal(2);
    expect((await create('ana@example.com')).exitCode).to.equal(0);
    const duplicate = await create('ANA@example.com');
    expect(duplicate.exitCode).to.equal(5);
    expect(duplicate.json().error.code).to.equal('USER_EXISTS');
    const unknownRole = await create('bo@example.com', '--role', 'wizard');
    expect(unknownRole.exitCode).to.equal(3);
    expect((await t.cli('users:list', '--json')).json().meta.total).to.equal(1);
  });

  it('lists with paging, search, filters and sorting on real columns only', async () => {
    for (const email of ['c@example.com', 'a@example.com', 'b@other.org']) await create(email);
    await t.cli('users:disable', 'b@other.org');
    const page = (await t.cli('users:list', '--limit', '2', '--json')).json();
    expect(page.data.map((user: {email: string}) => user.email)).to.deep.equal(['a@example.com', 'b@other.org']);
    expect(page.meta).to.include({total: 3, page: 1, limit: 2});
    const searched = (await t.cli('users:list', '--search', 'EXAMPLE', '--sort', 'email', '--order', 'desc', '--json')).json();
    expect(searched.data.map((user: {email: string}) => user.email)).to.deep.equal(['c@example.com', 'a@example.com']);
    const disabled = (await t.cli('users:list', '--filter', 'status=disabled', '--json')).json();
    expect(disabled.data.map((user: {email: string}) => user.email)).to.deep.equal(['b@other.org']);
    const wildcard = (await t.cli('users:list', '--search', '%', '--json')).json();
    expect(wildcard.meta.total).to.equal(0);
    const badSort = await t.cli('users:list', '--sort', 'password_hash');
    expect(badSort.exitCode).to.equal(2);
    expect(badSort.stderr).to.match(/^--sort password_hash: unknown field\nHint: Use one of: email, name, status, createdAt, updatedAt, lastLoginAt\.\n$/);
  });

  it('updates name, email and roles', async () => {
    await create('ana@example.com', '--role', 'viewer');
    const run = await t.cli('users:update', 'ana@example.com', '--name', 'Ana L', '--email', 'ana.l@example.com', '--add-role', 'operator', '--remove-role', 'viewer', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json().data).to.deep.include({email: 'ana.l@example.com', name: 'Ana L', roles: ['operator']});
    expect((await t.cli('users:update', 'ana.l@example.com')).exitCode).to.equal(2);
    expect((await t.cli('users:update', 'nobody@example.com', '--name', 'x')).exitCode).to.equal(3);
  });

  it('disables (revoking sessions) and enables', async () => {
    await create('ana@example.com');
    expect((await t.cli('users:disable', 'ana@example.com', '--json')).json().data.status).to.equal('disabled');
    expect((await t.cli('users:enable', 'ana@example.com', '--json')).json().data.status).to.equal('enabled');
  });

  it('deletes only with confirmation, keeps the audit records, and then knows no such user (3)', async () => {
    await create('ana@example.com');
    const refused = await t.cli('users:delete', 'ana@example.com');
    expect(refused.exitCode).to.equal(2);
    expect((await t.cli('users:get', 'ana@example.com')).exitCode).to.equal(0);
    expect((await t.cli('users:delete', 'ana@example.com', '--confirm')).exitCode).to.equal(0);
    const gone = await t.cli('users:get', 'ana@example.com');
    expect(gone.exitCode).to.equal(3);
    expect(gone.stderr).to.match(/^No user "ana@example.com"\n/);
    const activity = (await t.cli('users:activity', 'ana@example.com', '--json')).json().data;
    expect(activity.map((record: {action: string; result: string}) => `${record.action}:${record.result}`)).to.deep.equal(['users.create:ok', 'users.delete:ok']);
    expect(activity[0].actor).to.equal('local-admin');
  });

  it('refuses --password-stdin when nothing is piped, creating nothing', async () => {
    // Standard input cannot be fed in-process: the password path runs as a child process in the auth tests.
    const run = await create('ana@example.com', '--password-stdin');
    expect(run.exitCode).to.equal(2);
    expect(run.json().error.code).to.be.oneOf(['STDIN_EMPTY', 'STDIN_IS_TERMINAL']);
    expect((await t.cli('users:list', '--json')).json().meta.total).to.equal(0);
  });

  it('lists and revokes sessions (none yet) with confirmation', async () => {
    await create('ana@example.com');
    expect((await t.cli('users:sessions', 'ana@example.com', '--json')).json().data).to.deep.equal([]);
    expect((await t.cli('users:revoke-sessions', 'ana@example.com')).exitCode).to.equal(2);
    expect((await t.cli('users:revoke-sessions', 'ana@example.com', '--confirm', '--json')).json().data).to.deep.equal({user: 'ana@example.com', revoked: 0});
  });
});
