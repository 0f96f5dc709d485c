import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, ok} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('config:history: filtered, searched, sorted and paged in the database', {root}, (t) => {
  const history = async (...args: string[]) => {
    const {data, meta} = (await ok(t, 'config:history', ...args, '--json')).json() as {
      data: Array<{version: number; key: string; action: string}>;
      meta: {total: number};
    };
    return {versions: data.map((row) => row.version), total: meta.total, data};
  };

  beforeEach(async () => {
    for (const [key, value] of [
      ['logger.level', 'debug'],
      ['logger.maxFiles', '3'],
      ['database.poolSize', '7'],
      ['logger.level', 'warn'],
    ])
      await ok(t, 'config:set', key!, value!);
    await ok(t, 'config:unset', 'logger.maxFiles');
  });

  it('filters by the whole key (module.key), the action and the version as written', async () => {
    expect(await history('--filter', 'key=logger.level')).to.deep.include({versions: [1, 4], total: 2});
    expect((await history('--filter', 'key=logger')).total).to.equal(0);
    expect((await history('--filter', 'key=Logger.level')).total).to.equal(0);
    expect(
      (await history('logger', '--filter', 'action=unset')).data.map((row) => `${row.version} ${row.key}`),
    ).to.deep.equal(['5 logger.maxFiles']);
    expect((await history('--filter', 'version=3')).data.map((row) => row.key)).to.deep.equal(['database.poolSize']);
    expect((await history('--filter', 'version=03')).total).to.equal(0);
  });

  it('searches key, actor and action case-insensitively, sorts and pages', async () => {
    expect(await history('--search', 'MAXFILES')).to.deep.include({versions: [2, 5], total: 2});
    expect(await history('--search', 'LOGGER', '--sort', 'key', '--order', 'desc', '--limit', '2')).to.deep.include({
      versions: [2, 5],
      total: 4,
    });
    expect(await history('--sort', 'version', '--order', 'desc', '--limit', '2', '--page', '2')).to.deep.include({
      versions: [3, 2],
      total: 5,
    });
    expect(await history('--sort', 'action', '--limit', '0')).to.deep.include({versions: [1, 2, 3, 4, 5]});
    expect(await history('database.poolSize', '--search', 'set')).to.deep.include({versions: [3], total: 1});
  });

  it('refuses a field it does not have (exit 2), as before', async () => {
    expectFailure(await t.cli('config:history', '--sort', 'before', '--json'), 2, 'LIST_FIELD_UNKNOWN');
  });
});
