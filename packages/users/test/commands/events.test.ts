import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, sql} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('users events', {root}, (t) => {
  const events = async () =>
    (await sql(t, 'SELECT type, source, actor, subject, payload FROM events ORDER BY id')).map(
      (row: {payload: string}) => ({...row, payload: JSON.parse(row.payload) as unknown}),
    );

  it('users:create leaves a user.created event, written with the user, by the actor, about the user', async () => {
    const run = await t.cli('users:create', '--email', 'ana@example.com', '--role', 'viewer', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    const {id} = run.json().data as {id: string};
    expect(await events()).to.deep.equal([
      {
        type: 'user.created',
        source: 'users',
        actor: 'local-admin',
        subject: id,
        payload: {id, email: 'ana@example.com', roles: ['viewer']},
      },
    ]);
  });

  it('leaves no event for a change that was refused', async () => {
    expect((await t.cli('users:create', '--email', 'ana@example.com', '--json')).exitCode).to.equal(0);
    expectFailure(await t.cli('users:create', '--email', 'ANA@example.com', '--json'), 5, 'USER_EXISTS');
    expectFailure(await t.cli('users:disable', 'nobody@example.com', '--json'), 3, 'USER_NOT_FOUND');
    expect((await events()).map((event: {type: string}) => event.type)).to.deep.equal(['user.created']);
  });
});
