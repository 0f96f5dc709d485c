import {join} from 'node:path';
import {expect} from 'chai';
import {SystemPromptError, silentLogger} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import type {ModuleMigration} from '../../src/migrations/loader.js';
import {MIGRATIONS_TABLE} from '../../src/migrations/runner.js';
import {DatabaseService, ownMigrations} from '../../src/services/database-service.js';
import {EVENTS_TABLE} from '../../src/services/event-store.js';
import {Table, TableForeignKey, TableIndex, defineMigration, dropIndexKeepingForeignKeys} from '../../src/schema.js';
import {tableNames} from '../helpers/tables.js';

const table = (name: string) =>
  defineMigration({
    name: `20261128000000-create-${name.replace(/_/g, '-')}`,
    steps: [
      {
        up: (runner) =>
          runner.createTable(new Table({name, columns: [{name: 'id', type: 'integer', isPrimary: true}]})),
        down: (runner) => runner.dropTable(name),
      },
    ],
  });

/**
 * Providers and their models as the config module builds them: the foreign key first, then a unique
 * index that starts with its column, which MySQL then uses for the foreign key.
 */
const providersAndModels = defineMigration({
  name: '20261128000100-create-parts-models',
  steps: [
    {
      up: (runner) =>
        runner.createTable(new Table({name: 'parts', columns: [{name: 'id', type: 'integer', isPrimary: true}]})),
      down: (runner) => runner.dropTable('parts'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'parts_models',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true},
              {name: 'part_id', type: 'integer'},
              {name: 'name', type: 'varchar', length: '50'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('parts_models'),
    },
    {
      up: (runner) =>
        runner.createForeignKey(
          'parts_models',
          new TableForeignKey({
            name: 'fk_parts_models_part',
            columnNames: ['part_id'],
            referencedTableName: 'parts',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ),
      down: (runner) => runner.dropForeignKey('parts_models', 'fk_parts_models_part'),
    },
    {
      up: (runner) =>
        runner.createIndex(
          'parts_models',
          new TableIndex({name: 'uq_parts_models_part_name', columnNames: ['part_id', 'name'], isUnique: true}),
        ),
      down: (runner) => dropIndexKeepingForeignKeys(runner, 'parts_models', 'uq_parts_models_part_name'),
    },
  ],
});

const of = (module: string, ...migrations: Array<ReturnType<typeof defineMigration>>): ModuleMigration[] =>
  migrations.map((migration) => ({...migration, module}));

for (const engine of testEngines()) {
  describe(`rolling back [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let service: DatabaseService;

    const tables = () => tableNames(service);

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      const target = parseDatabaseUrl(database.url, join(home.path, 'test.sqlite'));
      service = new DatabaseService(
        {target, poolSize: 4, busyTimeoutMs: 2000, connectTimeoutMs: 5000, queryTimeoutMs: 5000},
        silentLogger,
      );
    });
    afterEach(async () => {
      await service.close();
      await database.drop();
      await home.remove();
    });

    describe('dropIndexKeepingForeignKeys', () => {
      it('drops a unique index that the engine uses for a foreign key, keeping the foreign key', async () => {
        const runner = await service.runner();
        await runner.migrate(of('parts', providersAndModels));
        const dataSource = await service.dataSource();
        const queryRunner = dataSource.createQueryRunner();
        try {
          await dropIndexKeepingForeignKeys(queryRunner, 'parts_models', 'uq_parts_models_part_name');
          const after = (await queryRunner.getTable('parts_models'))!;
          expect(after.indices.map((index) => index.name)).to.not.include('uq_parts_models_part_name');
          expect(after.foreignKeys.map((foreignKey) => foreignKey.name)).to.deep.equal(['fk_parts_models_part']);
        } finally {
          await queryRunner.release();
        }
        // The foreign key still holds, and the name is no longer unique per part.
        await dataSource.query('INSERT INTO parts (id) VALUES (1)');
        await dataSource.query("INSERT INTO parts_models (id, part_id, name) VALUES (1, 1, 'a'), (2, 1, 'a')");
        let refused: unknown;
        await dataSource
          .query("INSERT INTO parts_models (id, part_id, name) VALUES (3, 2, 'b')")
          .catch((error: unknown) => {
            refused = error;
          });
        expect(String((refused as Error | undefined)?.message)).to.match(/foreign key/i);
        if (engine === 'mysql') {
          // As before the unique index existed: MySQL's own index for the foreign key, named after it.
          const [{'Create Table': ddl}] = (await dataSource.query('SHOW CREATE TABLE parts_models')) as Array<{
            'Create Table': string;
          }>;
          expect(ddl).to.include('KEY `fk_parts_models_part` (`part_id`)');
        }
      });

      it('makes a migration that adds such an index revert, and apply again', async () => {
        const runner = await service.runner();
        await runner.migrate(of('parts', providersAndModels));
        expect(await runner.rollback(of('parts', providersAndModels), {steps: 1})).to.have.length(1);
        expect(await tables()).to.deep.equal([EVENTS_TABLE, MIGRATIONS_TABLE]);
        await runner.migrate(of('parts', providersAndModels));
        expect(await tables()).to.deep.equal([EVENTS_TABLE, 'parts', 'parts_models', MIGRATIONS_TABLE]);
      });
    });

    describe('MigrationRunner.rollback', () => {
      // "extra" depends on "base" but, as after base was reverted and migrated again, applied before it.
      const base = of('base', table('base_items'));
      const extra = of('extra', table('extra_items'));
      const dependsOn = (module: string, dependency: string) => module === 'extra' && dependency === 'base';

      it('reverts newest first, but a module before the modules it depends on', async () => {
        const runner = await service.runner();
        await runner.migrate(extra);
        await runner.migrate(base);
        // Two steps: the database module's own migration was applied before them, when the DataSource opened.
        const plan = (options: {dependsOn?: typeof dependsOn}) =>
          runner.rollback([...base, ...extra], {steps: 2, dryRun: true, ...options});
        expect((await plan({})).map((outcome) => outcome.module)).to.deep.equal(['base', 'extra']);
        expect((await plan({dependsOn})).map((outcome) => outcome.module)).to.deep.equal(['extra', 'base']);
      });

      it('reverts every applied migration with `all`, guarded ones included, and only with `all`', async () => {
        const runner = await service.runner();
        const guarded = of('base', {...table('base_items'), rollbackDestroys: ['base_items']});
        const known = [...(await ownMigrations()), ...guarded, ...extra];
        await runner.migrate(known);
        let refused: unknown;
        await runner.rollback(known, {steps: 9}).catch((error: unknown) => {
          refused = error;
        });
        expect(refused).to.include({code: 'ROLLBACK_DESTROYS_RECORDS'});
        const reverted = await runner.rollback(known, {steps: 1, all: true, dependsOn});
        expect(reverted.map((outcome) => [outcome.module, outcome.status, outcome.destroys])).to.deep.equal([
          ['extra', 'reverted', undefined],
          ['base', 'reverted', {base_items: 0}],
          ['database', 'reverted', {events: 0}],
        ]);
        expect(await tables()).to.deep.equal([MIGRATIONS_TABLE]);
        expect(await runner.applied()).to.deep.equal([]);
      });
    });

    if (engine === 'mysql') {
      describe('lock conflicts on MySQL/MariaDB', () => {
        beforeEach(async () => {
          const dataSource = await service.dataSource();
          await dataSource.query('CREATE TABLE counters (id integer PRIMARY KEY, n integer NOT NULL)');
          await dataSource.query('INSERT INTO counters (id, n) VALUES (1, 0), (2, 0)');
        });

        it('reports a deadlock as DATABASE_BUSY (exit 6), and the other transaction goes on', async () => {
          const dataSource = await service.dataSource();
          const [a, b] = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
          try {
            await a.startTransaction();
            await b.startTransaction();
            await a.query('UPDATE counters SET n = n + 1 WHERE id = 1');
            await b.query('UPDATE counters SET n = n + 1 WHERE id = 2');
            // Each now wants the row the other holds: the server rolls one of them back.
            const outcomes = await Promise.allSettled([
              a.query('UPDATE counters SET n = n + 1 WHERE id = 2'),
              b.query('UPDATE counters SET n = n + 1 WHERE id = 1'),
            ]);
            const failed = outcomes.filter(
              (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
            );
            expect(failed).to.have.length(1);
            expect(failed[0]!.reason).to.be.instanceOf(SystemPromptError);
            expect(failed[0]!.reason).to.include({code: 'DATABASE_BUSY', exitCode: 6});
            expect((failed[0]!.reason as SystemPromptError).details).to.deep.equal({reason: 'ER_LOCK_DEADLOCK'});
          } finally {
            for (const runner of [a, b]) {
              if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
              await runner.release();
            }
          }
        });

        it('reports a lock wait timeout in a transaction as DATABASE_BUSY (exit 6)', async () => {
          const dataSource = await service.dataSource();
          const holder = dataSource.createQueryRunner();
          try {
            await holder.startTransaction();
            await holder.query('UPDATE counters SET n = n + 1 WHERE id = 1');
            let failure: unknown;
            await dataSource
              .transaction(async (manager) => {
                // The shortest wait the server allows (1 s), for this connection only.
                await manager.query('SET SESSION innodb_lock_wait_timeout = 1');
                await manager.query('UPDATE counters SET n = n + 1 WHERE id = 1');
              })
              .catch((error: unknown) => {
                failure = error;
              });
            expect(failure).to.include({code: 'DATABASE_BUSY', exitCode: 6});
            expect((failure as SystemPromptError).details).to.deep.equal({reason: 'ER_LOCK_WAIT_TIMEOUT'});
          } finally {
            await holder.rollbackTransaction().catch(() => undefined);
            await holder.release();
          }
        });
      });
    }
  });
}
