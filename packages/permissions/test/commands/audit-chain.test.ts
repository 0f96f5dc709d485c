import {createHash} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {resolveSystemPaths} from '@systemprompt/core';
import {Kernel, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import {
  APP_BIN,
  describeEachEngine,
  expectFailure,
  loadCliConfig,
  spawnCli,
  type EngineFixture,
} from '@systemprompt/testing';
import {pruneAuditLog, type UsersApi} from '@systemprompt/users';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BIN = APP_BIN;

/** The users module booted in this process on the test's home and database: the database as its owner sees it. */
async function withUsers<T>(t: EngineFixture, body: (users: UsersApi) => Promise<T>): Promise<T> {
  const config = await loadCliConfig(root);
  const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: t.home.path});
  const modules = await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache);
  const kernel = new Kernel({
    modules,
    paths,
    configValues: (record) => (record.name === 'database' && t.database.url ? {url: t.database.url} : {}),
  });
  try {
    await kernel.boot(['users']);
    return await body(kernel.service<UsersApi>('users'));
  } finally {
    await kernel.stop();
  }
}

/** SQL run by someone with their own client on the database (no command, so no audit record of it). */
const direct = (t: EngineFixture, statement: string, parameters: unknown[] = []) =>
  withUsers(t, (users) => users.db.manager.query(statement, parameters)) as Promise<any[]>;

/** The chain's hash, written out again here: the format is a contract (records outlive versions). */
function chainHash(previous: string, row: Record<string, unknown>): string {
  const canonical = JSON.stringify([
    Number(row.seq),
    Number(row.id),
    row.at,
    row.actor_id,
    row.actor,
    row.action,
    row.target,
    row.result,
    row.permission,
    row.details,
  ]);
  return createHash('sha256').update(`systemprompt-audit-v1\n${previous}\n${canonical}`).digest('hex');
}

describeEachEngine("the audit log's hash chain: permissions:audit --verify", {root}, (t) => {
  const verify = (...args: string[]) => t.cli('permissions:audit', '--verify', '--json', ...args);
  /** Sends one UPDATE/DELETE/INSERT through database:query, as an administrator with that command would. */
  const write = async (statement: string, ...params: string[]) => {
    const run = await t.cli(
      'database:query',
      statement,
      ...params.flatMap((param) => ['--param', param]),
      '--write',
      '--confirm',
      '--json',
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
  };
  const broken = async (...args: string[]) => {
    const error = expectFailure(await verify(...args), 1, 'AUDIT_CHAIN_BROKEN');
    return error as {
      message: string;
      details: {problem: string; seq: number | null; id: number | null; verified: number};
    };
  };

  beforeEach(async () => {
    // Five records: #1..#5 (users.create ×3, permissions.grant, users.update).
    for (const email of ['ana@example.com', 'bo@example.com', 'cy@example.com'])
      expect((await t.cli('users:create', '--email', email, '--role', 'viewer')).exitCode).to.equal(0);
    expect((await t.cli('permissions:grant', 'users:create', '--user', 'ana@example.com')).exitCode).to.equal(0);
    expect((await t.cli('users:update', 'bo@example.com', '--name', 'Bo')).exitCode).to.equal(0);
  });

  it('verifies an intact log: exit 0, how many records, and the head to keep elsewhere', async () => {
    const run = await verify();
    expect(run.exitCode, run.stdout).to.equal(0);
    const {data} = run.json();
    const rows = await direct(t, 'SELECT seq, hash FROM users_audit ORDER BY seq');
    expect(rows.map((row) => Number(row.seq))).to.deep.equal(rows.map((_, index) => index + 1));
    expect(data).to.deep.equal({
      intact: true,
      verified: rows.length,
      head: `${rows.length}:${rows.at(-1).hash}`,
      anchor: null,
      headRestoredAt: [],
    });
    // Page by page (500 records a query; 2 here, so the walk crosses pages), the same answer.
    expect(await withUsers(t, (users) => users.audit.verify({pageSize: 2}))).to.deep.include({
      intact: true,
      verified: rows.length,
    });
    // The head verifies again later as an anchor.
    expect((await verify('--anchor', data.head)).json().data).to.include({intact: true, anchor: data.head});
    const table = await t.cli('permissions:audit', '--verify');
    expect(table.stdout)
      .to.match(/^intact\s+true$/m)
      .and.match(new RegExp(`^verified\\s+${rows.length}$`, 'm'));
  });

  it('names a record changed with database:query --write', async () => {
    await write('UPDATE users_audit SET target = ? WHERE seq = 2', 'someone-else@example.com');
    const error = await broken();
    expect(error.details).to.deep.include({problem: 'edited', seq: 2, verified: 1});
    expect(error.message).to.match(
      /^The audit log is broken at record #2 \(id \d+, users\.create by local-admin at [^)]+\): the record was changed after it was written/,
    );
    // Its hash recomputed by hand does not help: the next record points at the old one.
    const [row] = await direct(t, 'SELECT * FROM users_audit WHERE seq = 2');
    const [before] = await direct(t, 'SELECT hash FROM users_audit WHERE seq = 1');
    await write('UPDATE users_audit SET hash = ? WHERE seq = 2', chainHash(before.hash, row));
    expect((await broken()).details).to.deep.include({problem: 'relinked', seq: 3});
  });

  it('removing the oldest records (audit retention) keeps the rest verifiable; a removal after them still shows', async () => {
    const [fourth] = await direct(t, 'SELECT at FROM users_audit WHERE seq = 4');
    const before = new Date(String(fourth.at));
    expect(await withUsers(t, (users) => pruneAuditLog(users.db, users.audit, before, {dryRun: true}))).to.equal(3);
    expect((await direct(t, 'SELECT COUNT(*) AS n FROM users_audit'))[0].n).to.satisfy((n: unknown) => Number(n) === 5);
    expect(await withUsers(t, (users) => pruneAuditLog(users.db, users.audit, before, {dryRun: false}))).to.equal(3);
    const left = await direct(t, 'SELECT seq, action FROM users_audit ORDER BY seq');
    expect(left.map((row) => [Number(row.seq), row.action])).to.deep.equal([
      [4, 'permissions.grant'],
      [5, 'users.update'],
      [6, 'audit.pruned'],
    ]);
    const [head] = await direct(t, 'SELECT base_seq, base_hash FROM users_audit_head');
    expect(Number(head.base_seq)).to.equal(3);
    const run = await verify();
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json().data).to.include({intact: true, verified: 3});
    // The base moves only with a prune: a record removed after it breaks the chain as before.
    await write('DELETE FROM users_audit WHERE seq = 4');
    expect((await broken()).details).to.deep.include({problem: 'deleted', seq: 4});
  });

  it('names a record deleted with database:query --write', async () => {
    await write('DELETE FROM users_audit WHERE seq = 3');
    const error = await broken();
    expect(error.details).to.deep.include({problem: 'deleted', seq: 3, id: null, verified: 2});
    expect(error.message).to.match(/^Record #3 of the audit log is missing \(deleted\): after #2 comes record #4 /);
    expect((await withUsers(t, (users) => users.audit.verify({pageSize: 2}))).broken).to.include({
      problem: 'deleted',
      seq: 3,
    });
  });

  it('sees the newest records removed, through the head kept apart', async () => {
    const [{n}] = await direct(t, 'SELECT MAX(seq) AS n FROM users_audit');
    const last = Number(n);
    await direct(t, 'DELETE FROM users_audit WHERE seq >= ?', [last - 1]);
    const error = await broken();
    expect(error.details).to.deep.include({problem: 'truncated', seq: last - 1, verified: last - 2});
    expect(error.message).to.equal(
      `The newest 2 records of the audit log (#${last - 1}..#${last}) are missing: the head says it holds ${last}`,
    );
  });

  it('names a record added by hand, outside the chain or beyond the head', async () => {
    await write(
      "INSERT INTO users_audit (at, actor_id, actor, action, target, result) VALUES ('2026-01-01T00:00:00.000Z', 'x', 'x', 'users.create', 'ghost@example.com', 'ok')",
    );
    expect((await broken()).details).to.include({problem: 'unchained'});
    await write("DELETE FROM users_audit WHERE target = 'ghost@example.com'");
    const [{n}] = await direct(t, 'SELECT MAX(seq) AS n FROM users_audit');
    await direct(
      t,
      "INSERT INTO users_audit (at, actor_id, actor, action, target, result, seq, prev_hash, hash) VALUES ('2026-01-01T00:00:00.000Z', 'x', 'x', 'users.create', 'ghost@example.com', 'ok', ?, 'x', 'x')",
      [Number(n) + 5],
    );
    expect((await broken()).details).to.include({problem: 'unchained', seq: Number(n) + 5});
  });

  it('a chain rewritten from a record on passes by itself, but not against an anchor kept from before', async () => {
    const anchor = (await verify()).json().data.head as string;
    // Whoever can write to the database can recompute every hash after the one they changed.
    await withUsers(t, async (users) => {
      const query = (statement: string, parameters: unknown[] = []) =>
        users.db.manager.query(statement, parameters) as Promise<any[]>;
      await query('UPDATE users_audit SET target = ? WHERE seq = 2', ['someone-else@example.com']);
      let previous = (await query('SELECT hash FROM users_audit WHERE seq = 1'))[0].hash as string;
      for (const row of await query('SELECT * FROM users_audit WHERE seq >= 2 ORDER BY seq')) {
        const hash = chainHash(previous, row);
        await query('UPDATE users_audit SET prev_hash = ?, hash = ? WHERE id = ?', [previous, hash, row.id]);
        previous = hash;
      }
      await query('UPDATE users_audit_head SET hash = ? WHERE id = 1', [previous]);
    });
    expect((await verify()).exitCode).to.equal(0);
    const error = await broken('--anchor', anchor);
    expect(error.details).to.include({problem: 'anchor-mismatch', seq: Number(anchor.split(':')[0])});
    expectFailure(await verify('--anchor', 'nope'), 2, 'AUDIT_ANCHOR_INVALID');
  });

  it('a deleted head is missed until the next write rebuilds it, and that write says so', async () => {
    const before = Number((await direct(t, 'SELECT seq FROM users_audit_head'))[0].seq);
    await direct(t, 'DELETE FROM users_audit_head');
    expect((await broken()).details).to.include({problem: 'head-missing'});
    expect((await t.cli('users:update', 'ana@example.com', '--name', 'Ana')).exitCode).to.equal(0);
    const run = await verify();
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json().data)
      .to.include({verified: before + 2})
      .and.to.deep.include({headRestoredAt: [before + 1]});
    const [restored] = await direct(t, 'SELECT actor, action, result FROM users_audit WHERE seq = ?', [before + 1]);
    expect(restored).to.deep.equal({actor: 'system', action: 'audit.head-restored', result: 'failed'});
  });

  it('chains the records written before the chain existed (the migration hashes them)', async () => {
    const count = Number((await direct(t, 'SELECT COUNT(*) AS n FROM users_audit'))[0].n);
    // Reverting the chain loses its head and hashes: only with the module named.
    // (The newest migrations of users, the chain's base and the list indexes, go first.)
    const rollback = await t.cli('database:rollback', '--module', 'users', '--steps', '3', '--confirm', '--json');
    expect(rollback.exitCode, rollback.stdout + rollback.stderr).to.equal(0);
    expect(
      rollback.json().data.map((row: {name: string; destroys: unknown}) => [row.name, row.destroys]),
    ).to.deep.equal([
      ['20261204170000-audit-chain-base', undefined],
      ['20261202150000-index-users-audit-lists', undefined],
      ['20261202120000-chain-users-audit', {users_audit_head: 1}],
    ]);
    // The next command that needs the users module migrates again: every record, old ones included, chained in id order.
    const run = await verify();
    expect(run.exitCode, run.stdout).to.equal(0);
    const rows = await direct(t, 'SELECT id, seq FROM users_audit ORDER BY id');
    expect(run.json().data.verified).to.equal(rows.length).and.to.be.at.least(count);
    expect(rows.map((row) => Number(row.seq))).to.deep.equal(rows.map((_, index) => index + 1));
  });

  it('needs audit:read, checked before anything is read (exit 4)', async () => {
    const env = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'};
    const run = await spawnCli(BIN, ['permissions:audit', '--verify', '--json'], {
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...env},
    });
    expectFailure(run, 4, 'PERMISSION_DENIED');
    // Even with the log broken, a refused caller learns nothing about it.
    await direct(t, 'DELETE FROM users_audit_head');
    expectFailure(
      await spawnCli(BIN, ['permissions:audit', '--verify', '--json'], {
        env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...env},
      }),
      4,
      'PERMISSION_DENIED',
    );
  });

  it('concurrent writers never fork the chain: 20 processes and 40 writes in one process at once', async function () {
    this.timeout(240_000);
    // The app has modules this package does not load: their migrations first, so only the audit log is raced for.
    const migrate = await spawnCli(BIN, ['database:migrate', '--json'], {
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env},
      timeoutMs: 60_000,
    });
    expect(migrate.exitCode, migrate.stdout + migrate.stderr).to.equal(0);
    const [{n}] = await direct(t, 'SELECT COUNT(*) AS n FROM users_audit');
    // Each refused command writes one denial record.
    const runs = await Promise.all(
      Array.from({length: 20}, () =>
        spawnCli(BIN, ['users:list', '--json'], {
          env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'},
          timeoutMs: 180_000,
        }),
      ),
    );
    for (const run of runs) expectFailure(run, 4, 'PERMISSION_DENIED');
    await withUsers(t, (users) =>
      Promise.all(
        Array.from({length: 40}, (_, index) =>
          users.audit.record(
            {kind: 'system', id: 'system', label: 'system', via: 'system'},
            {action: 'test.concurrent', target: `#${index}`, result: 'ok'},
          ),
        ),
      ),
    );
    const run = await verify();
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json().data.verified).to.equal(Number(n) + 20 + 40);
    const denials = await direct(
      t,
      "SELECT COUNT(*) AS n FROM users_audit WHERE action = 'users.list' AND result = 'denied'",
    );
    expect(Number(denials[0].n)).to.equal(20);
  });
});
