import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, ok, type AuditRow} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('users:activity: filtered, searched, sorted and paged in the database', {root}, (t) => {
  const activity = async (...args: string[]) => {
    const run = await ok(t, 'users:activity', ...args, '--json');
    const {data, meta} = run.json() as {data: AuditRow[]; meta: {total: number; page: number; limit: number | null}};
    return {data, meta, targets: data.map((record) => record.target)};
  };

  beforeEach(async () => {
    const people = join(t.home.path, 'people.ndjson');
    await writeFile(
      people,
      ['ana@example.com', 'bob@example.org', 'cy_d@example.com', 'dee@example.org', 'ed@example.com']
        .map((email) => JSON.stringify({email}))
        .join('\n'),
    );
    await ok(t, 'users:create', '--batch', people);
    await ok(t, 'users:update', 'bob@example.org', '--name', 'Bob');
    await ok(t, 'users:disable', 'dee@example.org');
    await ok(t, 'users:delete', 'ed@example.com', '--confirm');
    // Records of other actors, with upper case and LIKE's wildcards, written as they would be by them.
    const at = new Date().toISOString();
    await ok(
      t,
      'database:query',
      'INSERT INTO users_audit (at, actor_id, actor, action, target, result, permission) VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)',
      ...[
        at,
        'u1',
        'Zoe@Example.org',
        'users.delete',
        'ana@example.com',
        'denied',
        'users:delete',
        at,
        'u2',
        'al_x@example.net',
        'users.read',
        '100%',
        'denied',
        'users:read',
      ].flatMap((param) => ['--param', param]),
      '--write',
      '--confirm',
    );
  });

  it('lists every record oldest first by default, and pages them with the total of all', async () => {
    const all = await activity('--limit', '0');
    expect(all.meta.total).to.equal(all.data.length).and.to.be.greaterThan(10);
    expect(all.data.map((record) => record.id)).to.deep.equal(
      [...all.data.map((record) => record.id)].sort((a, b) => a - b),
    );
    const second = await activity('--limit', '3', '--page', '2');
    expect(second.data).to.deep.equal(all.data.slice(3, 6));
    expect(second.meta).to.deep.equal({total: all.meta.total, page: 2, limit: 3, count: 3});
    const past = await activity('--limit', '3', '--page', '99');
    expect(past.data).to.deep.equal([]);
    expect(past.meta.total).to.equal(all.meta.total);
  });

  it('filters on exact values (case included) and combines filters', async () => {
    const created = await activity('--filter', 'action=users.create');
    expect(created.targets).to.deep.equal([
      'ana@example.com',
      'bob@example.org',
      'cy_d@example.com',
      'dee@example.org',
      'ed@example.com',
    ]);
    expect(created.meta.total).to.equal(5);
    expect((await activity('--filter', 'result=denied')).data.map((record) => record.actor)).to.deep.equal([
      'Zoe@Example.org',
      'al_x@example.net',
    ]);
    expect((await activity('--filter', 'actor=zoe@example.org')).meta.total).to.equal(0);
    expect((await activity('--filter', 'result=denied', '--filter', 'permission=users:read')).targets).to.deep.equal([
      '100%',
    ]);
    const byId = (await activity('--limit', '1')).data[0]!;
    expect((await activity('--filter', `id=${byId.id}`)).data).to.deep.equal([byId]);
    expect((await activity('--filter', `id=0${byId.id}`)).meta.total).to.equal(0);
  });

  it('searches actor, action, target and permission case-insensitively, wildcards taken literally', async () => {
    const org = await activity('--search', 'EXAMPLE.ORG');
    expect(org.data.map((record) => `${record.action} ${record.target}`)).to.deep.equal([
      'users.create bob@example.org',
      'users.create dee@example.org',
      'users.update bob@example.org',
      'users.disable dee@example.org',
      'users.delete ana@example.com',
    ]);
    expect((await activity('--search', '%')).targets).to.deep.equal(['100%']);
    expect((await activity('--search', '_')).data.map((record) => record.actor)).to.deep.equal([
      'local-admin',
      'al_x@example.net',
    ]);
    expect((await activity('--search', 'users:delete')).meta.total).to.equal(2);
  });

  it('sorts by a field case-insensitively, ties oldest first, in either order, before paging', async () => {
    const byTarget = await activity(
      '--filter',
      'action=users.create',
      '--sort',
      'target',
      '--order',
      'desc',
      '--limit',
      '2',
      '--page',
      '2',
    );
    expect(byTarget.targets).to.deep.equal(['cy_d@example.com', 'bob@example.org']);
    expect(byTarget.meta.total).to.equal(5);
    const byActor = await activity('--filter', 'result=denied', '--sort', 'actor');
    expect(byActor.data.map((record) => record.actor)).to.deep.equal(['al_x@example.net', 'Zoe@Example.org']);
    const byAction = (await activity('--search', 'bob@', '--sort', 'action', '--order', 'desc')).data.map(
      (record) => record.action,
    );
    expect(byAction).to.deep.equal(['users.update', 'users.create']);
  });

  it("pages one user's records (as actor or target), also after the user was deleted", async () => {
    const ana = await activity('ana@example.com', '--limit', '1', '--page', '2');
    expect(ana.data.map((record) => `${record.action} ${record.result}`)).to.deep.equal(['users.delete denied']);
    expect(ana.meta.total).to.equal(2);
    expect((await activity('ed@example.com', '--sort', 'action')).data.map((record) => record.action)).to.deep.equal([
      'users.create',
      'users.delete',
    ]);
  });

  it('refuses a field it does not have (exit 2), as before', async () => {
    expectFailure(await t.cli('users:activity', '--sort', 'details', '--json'), 2, 'LIST_FIELD_UNKNOWN');
    expectFailure(await t.cli('users:activity', '--filter', 'actorId=u1', '--json'), 2, 'LIST_FIELD_UNKNOWN');
  });
});
