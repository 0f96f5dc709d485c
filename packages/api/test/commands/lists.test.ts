import {randomUUID} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, ok} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('api:keys:list and api:usage: filtered, searched, sorted and paged in the database', {root}, (t) => {
  const write = (sql: string, ...params: string[]) =>
    ok(t, 'database:query', sql, ...params.flatMap((param) => ['--param', param]), '--write', '--confirm');
  const keys = async (...args: string[]) => {
    const {data, meta} = (await ok(t, 'api:keys:list', ...args, '--json')).json() as {
      data: Array<{name: string; user: string; status: string}>;
      meta: {total: number};
    };
    return {names: data.map((key) => key.name), total: meta.total, data};
  };
  const usage = async (...args: string[]) => {
    const {data, meta} = (await ok(t, 'api:usage', ...args, '--json')).json() as {
      data: Array<{key: string; name: string; endpoint: string; day: string; count: number}>;
      meta: {total: number};
    };
    return {rows: data.map((row) => `${row.name} ${row.endpoint} ${row.day} ${row.count}`), total: meta.total};
  };
  const prefixes: Record<string, string> = {};

  beforeEach(async () => {
    await ok(t, 'database:migrate');
    const now = new Date().toISOString();
    for (const email of ['ana@example.com', 'bob_x@example.org']) {
      const id = randomUUID();
      await write(
        'INSERT INTO users (id, email, name, status, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)',
        id,
        email,
        'enabled',
        now,
        now,
      );
      await write('INSERT INTO users_memberships (user_id, role) VALUES (?, ?)', id, 'viewer');
    }
    for (const [name, user, ...scopes] of [
      ['Deploy', 'ana@example.com', 'users:read'],
      ['backup', 'bob_x@example.org', 'audit:read', 'users:read'],
      ['ci_runner', 'ana@example.com', 'audit:read'],
      ['CI_Nightly', 'bob_x@example.org', 'users:read'],
    ]) {
      const created = (
        await ok(
          t,
          'api:keys:create',
          '--name',
          name!,
          '--user',
          user!,
          ...scopes.flatMap((scope) => ['--scope', scope]),
          '--json',
        )
      ).json().data as {id: string; prefix: string};
      prefixes[name!] = created.prefix;
      for (const [endpoint, day, count] of [
        ['GET /v1/users', '2026-11-02', String(name!.length)],
        ['POST /v1/agents', '2026-11-01', '1'],
      ]) {
        await write(
          'INSERT INTO api_usage (key_id, endpoint, day, count) VALUES (?, ?, ?, ?)',
          created.id,
          endpoint!,
          day!,
          count!,
        );
      }
    }
    await ok(t, 'api:keys:revoke', prefixes.backup!, '--confirm');
    await write(
      'UPDATE api_keys SET expires_at = ? WHERE prefix = ?',
      new Date(Date.now() - 60_000).toISOString(),
      prefixes.CI_Nightly!,
    );
  });

  it('api:keys:list filters by status, owner and one scope, exactly', async () => {
    expect(await keys()).to.deep.include({names: ['Deploy', 'backup', 'ci_runner', 'CI_Nightly'], total: 4});
    expect((await keys('--filter', 'status=revoked')).names).to.deep.equal(['backup']);
    expect((await keys('--filter', 'status=expired')).names).to.deep.equal(['CI_Nightly']);
    expect((await keys('--filter', 'status=active')).names).to.deep.equal(['Deploy', 'ci_runner']);
    expect((await keys('--filter', 'user=bob_x@example.org')).names).to.deep.equal(['backup', 'CI_Nightly']);
    expect((await keys('--filter', 'user=BOB_X@example.org')).total).to.equal(0);
    expect((await keys('--filter', 'scopes=audit:read')).names).to.deep.equal(['backup', 'ci_runner']);
    expect((await keys('--filter', 'scopes=audit')).total).to.equal(0);
    expect((await keys('--filter', `prefix=${prefixes.CI_Nightly}`, '--filter', 'status=expired')).names).to.deep.equal(
      ['CI_Nightly'],
    );
  });

  it('api:keys:list searches prefix, name, owner and scopes; sorts case-insensitively; pages', async () => {
    expect((await keys('--search', 'BOB_')).names).to.deep.equal(['backup', 'CI_Nightly']);
    expect((await keys('--search', 'audit:read,users')).names).to.deep.equal(['backup']);
    expect((await keys('--search', 'ci_')).names).to.deep.equal(['ci_runner', 'CI_Nightly']);
    expect((await keys('--sort', 'name')).names).to.deep.equal(['backup', 'CI_Nightly', 'ci_runner', 'Deploy']);
    expect(await keys('--sort', 'user', '--order', 'desc', '--limit', '3', '--page', '1')).to.deep.include({
      names: ['backup', 'CI_Nightly', 'Deploy'],
      total: 4,
    });
    expect(await keys('--sort', 'status', '--limit', '2', '--page', '2')).to.deep.include({
      names: ['CI_Nightly', 'backup'],
      total: 4,
    });
    expect((await keys('--user', 'ana@example.com', '--sort', 'name', '--order', 'desc')).names).to.deep.equal([
      'Deploy',
      'ci_runner',
    ]);
    expectFailure(await t.cli('api:keys:list', '--sort', 'keyHash', '--json'), 2, 'LIST_FIELD_UNKNOWN');
  });

  it('api:usage keeps day, key and endpoint order, and filters, searches, sorts and pages in the database', async () => {
    const all = await usage();
    expect(all.total).to.equal(8);
    expect(all.rows.slice(0, 4).filter((row) => row.includes('POST /v1/agents 2026-11-01'))).to.have.length(4);
    expect(
      await usage('--filter', 'endpoint=GET /v1/users', '--sort', 'count', '--order', 'desc', '--limit', '2'),
    ).to.deep.equal({
      rows: ['CI_Nightly GET /v1/users 2026-11-02 10', 'ci_runner GET /v1/users 2026-11-02 9'],
      total: 4,
    });
    expect((await usage('--filter', 'count=10')).rows).to.deep.equal(['CI_Nightly GET /v1/users 2026-11-02 10']);
    expect((await usage('--filter', 'count=010')).total).to.equal(0);
    expect((await usage('--search', 'RUNNER', '--sort', 'endpoint')).rows).to.deep.equal([
      'ci_runner GET /v1/users 2026-11-02 9',
      'ci_runner POST /v1/agents 2026-11-01 1',
    ]);
    expect((await usage('--filter', `key=${prefixes.backup}`, '--since', '2026-11-02')).rows).to.deep.equal([
      'backup GET /v1/users 2026-11-02 6',
    ]);
    expect(await usage('--sort', 'name', '--limit', '3', '--page', '3')).to.deep.equal({
      rows: ['Deploy POST /v1/agents 2026-11-01 1', 'Deploy GET /v1/users 2026-11-02 6'],
      total: 8,
    });
  });
});
