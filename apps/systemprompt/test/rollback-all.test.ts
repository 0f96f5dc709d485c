import {join} from 'node:path';
import {expect} from 'chai';
import {silentLogger} from '@systemprompt/core';
import {DatabaseService, MIGRATIONS_TABLE, parseDatabaseUrl} from '@systemprompt/database';
import {
  APP_BIN,
  APP_ROOT,
  describeEachEngine,
  expectFailure,
  spawnCli,
  type EngineFixture,
} from '@systemprompt/testing';

interface Outcome {
  module: string;
  name: string;
  status: string;
  destroys?: Record<string, number>;
}

/**
 * Every migration of every module reverts, on both engines: `database:rollback --all` leaves only the
 * runner's own bookkeeping table (systemprompt_migrations, kept, with no rows), and migrating again
 * builds the same schema. On MariaDB the rollback used to stop at config/...-create-config-providers:
 * "Cannot drop index 'uq_config_models_provider_name': needed in a foreign key constraint".
 */
describeEachEngine('database:rollback --all reverts every migration of every module', {root: APP_ROOT}, (t) => {
  /** The installed CLI as a user's shell runs it. */
  const cli = async (...args: string[]) => {
    const run = await spawnCli(APP_BIN, args, {
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env},
      timeoutMs: 120_000,
    });
    expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
    return {...run, data: JSON.parse(run.stdout).data};
  };

  /**
   * The tables and the bookkeeping rows, read straight from the database: any CLI command boots the
   * modules, and booting applies their pending migrations again.
   */
  async function inspect(fixture: EngineFixture): Promise<{tables: string[]; recorded: number}> {
    const target = parseDatabaseUrl(
      fixture.database.url,
      join(fixture.home.path, 'data', 'modules', 'database', 'systemprompt.sqlite'),
    );
    const service = new DatabaseService(
      {target, poolSize: 1, busyTimeoutMs: 5000, connectTimeoutMs: 5000, queryTimeoutMs: 5000},
      silentLogger,
    );
    try {
      const dataSource = await service.dataSource();
      const rows = (
        fixture.engine === 'sqlite'
          ? await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          : await dataSource.query(
              'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
            )
      ) as Array<{name: string}>;
      const [count] = (await dataSource.query(`SELECT COUNT(*) AS n FROM ${MIGRATIONS_TABLE}`)) as Array<{
        n: number | string;
      }>;
      return {tables: rows.map((row) => row.name).sort(), recorded: Number(count!.n)};
    } finally {
      await service.close();
    }
  }

  it('drops every table and record of every module, then migrating builds the same schema again', async function () {
    this.timeout(300_000);
    await cli('database:migrate', '--json');
    const migrated = await inspect(t);
    // Every module that has migrations, with a table of each of them.
    expect(migrated.tables).to.include.members([
      MIGRATIONS_TABLE,
      'config_values',
      'config_models',
      'users',
      'users_audit',
      'users_audit_head',
      'api_keys',
      'auth_mfa',
      'auth_login_locks',
    ]);
    const status = (await cli('database:status', '--json')).data as {migrations: {applied: number; pending: number}};
    expect(status.migrations.pending).to.equal(0);
    expect(migrated.recorded).to.equal(status.migrations.applied);
    const schema = (await cli('database:schema', '--json')).data as unknown;

    const plan = (await cli('database:rollback', '--all', '--dry-run', '--json')).data as Outcome[];
    expect(plan).to.have.length(migrated.recorded);
    const reverted = (await cli('database:rollback', '--all', '--confirm', '--json')).data as Outcome[];
    expect(reverted.map((row) => [row.module, row.name])).to.deep.equal(plan.map((row) => [row.module, row.name]));
    expect(reverted.every((row) => row.status === 'reverted')).to.equal(true);
    // The audit log goes too, and the result says how many records it held.
    expect(reverted.find((row) => row.name === '20261128110000-create-users')?.destroys?.users_audit).to.be.greaterThan(
      0,
    );
    // Modules that reference users' tables (api keys, second factors) are reverted before users.
    const position = (module: string) => reverted.findIndex((row) => row.module === module);
    expect(position('api')).to.be.lessThan(position('users'));
    expect(position('auth')).to.be.lessThan(position('users'));

    // Only the bookkeeping table is left (the runner's own, not a migration's), and the event log: opening
    // the database (as inspect does) applies the database module's own migration again, and only that.
    expect(await inspect(t)).to.deep.equal({tables: ['events', MIGRATIONS_TABLE].sort(), recorded: 1});

    await cli('database:migrate', '--json');
    expect(await inspect(t)).to.deep.equal(migrated);
    expect((await cli('database:schema', '--json')).data).to.deep.equal(schema);
  });

  it('refuses --all together with --steps (exit 2), reverting nothing', async () => {
    await cli('database:migrate', '--json');
    const before = await inspect(t);
    const run = await spawnCli(APP_BIN, ['database:rollback', '--all', '--steps', '2', '--confirm', '--json'], {
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env},
      timeoutMs: 120_000,
    });
    expectFailure({...run, json: () => JSON.parse(run.stdout)}, 2, 'INVALID_USAGE');
    expect(JSON.parse(run.stdout).error.message).to.include('cannot also be provided when using --all');
    expect(await inspect(t)).to.deep.equal(before);
  });
});
