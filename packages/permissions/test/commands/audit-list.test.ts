import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {APP, signedIn} from '../helpers/signed-in.js';

interface Use {
  id: number;
  actor: string;
  permission: string | null;
  action: string;
  target: string | null;
  result: string;
}

describeEachEngine('permissions:audit: filtered, searched, sorted and paged in the database', {root: APP}, (t) => {
  const cli = signedIn(t);
  const audit = async (...args: string[]) => {
    const {data, meta} = (await cli.local('permissions:audit', ...args, '--json')).json() as {
      data: Use[];
      meta: {total: number};
    };
    return {data, total: meta.total, rows: data.map((use) => `${use.actor} ${use.permission} ${use.result}`)};
  };

  beforeEach(async () => {
    await cli.createUser('ana@example.com', 'viewer');
    await cli.createUser('Bo_b@example.com');
    await cli.signIn('ana@example.com');
    // Two refusals as ana (a viewer changes nothing), then one by the local operator that succeeds.
    for (const args of [
      ['users:delete', 'bo_b@example.com', '--confirm'],
      ['permissions:grant', 'users:read', '--user', 'bo_b@example.com'],
    ]) {
      expectFailure(await cli.as(...args, '--json'), 4, 'PERMISSION_DENIED');
    }
    await cli.local('permissions:grant', 'users:read', '--user', 'bo_b@example.com');
  });

  it('lists only records that name a permission, oldest first, paged with the total of all', async () => {
    const all = await audit('--limit', '0');
    expect(all.data.every((use) => use.permission !== null)).to.equal(true);
    expect(all.rows.slice(-3)).to.deep.equal([
      'ana@example.com users:delete denied',
      'ana@example.com permissions:grant denied',
      'local-admin permissions:grant ok',
    ]);
    const page = await audit('--limit', '2', '--page', '2');
    expect(page.data).to.deep.equal(all.data.slice(2, 4));
    expect(page.total).to.equal(all.total);
  });

  it('filters, searches and sorts in the database', async () => {
    expect((await audit('--filter', 'result=denied')).rows).to.deep.equal([
      'ana@example.com users:delete denied',
      'ana@example.com permissions:grant denied',
    ]);
    expect((await audit('--filter', 'result=DENIED')).total).to.equal(0);
    const grants = await audit('--filter', 'permission=permissions:grant', '--sort', 'result', '--order', 'desc');
    expect(grants.rows).to.deep.equal(['local-admin permissions:grant ok', 'ana@example.com permissions:grant denied']);
    const searched = await audit('--search', 'BO_B', '--sort', 'action');
    expect(searched.data.map((use) => `${use.action} ${use.result}`)).to.deep.equal([
      'permissions.grant denied',
      'permissions.grant ok',
      'users.create ok',
      'users.delete denied',
    ]);
    expect((await audit('--search', 'bo%')).total).to.equal(0);
  });

  it('checks audit:read before it reads the list flags: a refused caller gets exit 4 whatever the flags', async () => {
    await cli.signIn('bo_b@example.com');
    for (const flags of [
      ['--sort', 'nope'],
      ['--filter', 'nope=1'],
      ['--filter', 'result=denied'],
    ]) {
      expectFailure(await cli.as('permissions:audit', ...flags, '--json'), 4, 'PERMISSION_DENIED');
    }
    expectFailure(await cli.localRun('permissions:audit', '--sort', 'nope', '--json'), 2, 'LIST_FIELD_UNKNOWN');
  });
});
