import {join} from 'node:path';
import {expect} from 'chai';
import {silentLogger} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import type {ModuleMigration} from '../../src/migrations/loader.js';
import {MIGRATIONS_TABLE} from '../../src/migrations/runner.js';
import {DatabaseService} from '../../src/services/database-service.js';
import {EVENTS_TABLE} from '../../src/services/event-store.js';
import {Table, TableColumn, TableIndex, defineMigration} from '../../src/schema.js';
import {tableNames} from '../helpers/tables.js';

const createThings = defineMigration({
  name: '20261128000000-create-things',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'things',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true},
              {name: 'label', type: 'varchar', length: '50'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('things'),
    },
  ],
});

const addColour = defineMigration({
  name: '20261128000100-add-things-colour',
  steps: [
    {
      up: (runner) =>
        runner.addColumn('things', new TableColumn({name: 'colour', type: 'varchar', length: '20', isNullable: true})),
      down: (runner) => runner.dropColumn('things', 'colour'),
    },
    {
      up: (runner) => runner.createIndex('things', new TableIndex({name: 'ix_things_colour', columnNames: ['colour']})),
      down: (runner) => runner.dropIndex('things', 'ix_things_colour'),
    },
  ],
});

// Three steps; the third fails after two DDL statements have run (on MySQL, already committed).
const broken = defineMigration({
  name: '20261128000200-broken',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({name: 'things_extra', columns: [{name: 'id', type: 'integer', isPrimary: true}]}),
        ),
      down: (runner) => runner.dropTable('things_extra'),
    },
    {
      up: (runner) => runner.addColumn('things', new TableColumn({name: 'size', type: 'integer', isNullable: true})),
      down: (runner) => runner.dropColumn('things', 'size'),
    },
    {
      up: (runner) => runner.query('CREATE TABLE things_broken (id integer PRIMARY KEY, id integer)'),
      down: (runner) => runner.dropTable('things_broken'),
    },
  ],
});

const asModule = (...migrations: Array<typeof createThings>): ModuleMigration[] =>
  migrations.map((migration) => ({...migration, module: 'things'}));

for (const engine of testEngines()) {
  describe(`MigrationRunner [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let service: DatabaseService;

    const tables = () => tableNames(service);
    // The database module's own migration (the events table) is applied when the DataSource opens.
    const appliedThings = async () =>
      (await (await service.runner()).applied()).filter((row) => row.module === 'things');
    const columns = async (table: string) => {
      const runner = (await service.dataSource()).createQueryRunner();
      try {
        return (await runner.getTable(table))!.columns.map((column) => column.name).sort();
      } finally {
        await runner.release();
      }
    };

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

    it('applies migrations in order, records them, and skips them the second time', async () => {
      const runner = await service.runner();
      const first = await runner.migrate(asModule(createThings, addColour));
      expect(first.map((outcome) => [outcome.name, outcome.status])).to.deep.equal([
        [createThings.name, 'applied'],
        [addColour.name, 'applied'],
      ]);
      expect(await tables()).to.deep.equal([EVENTS_TABLE, MIGRATIONS_TABLE, 'things']);
      expect(await columns('things')).to.deep.equal(['colour', 'id', 'label']);
      expect((await appliedThings()).map((row) => `${row.module}/${row.name}`)).to.deep.equal([
        `things/${createThings.name}`,
        `things/${addColour.name}`,
      ]);
      expect(await runner.migrate(asModule(createThings, addColour))).to.deep.equal([]);
    });

    it('rolls back newest first, one step at a time, down to nothing', async () => {
      const runner = await service.runner();
      await runner.migrate(asModule(createThings, addColour));
      const reverted = await runner.rollback(asModule(createThings, addColour), {steps: 1});
      expect(reverted.map((outcome) => outcome.name)).to.deep.equal([addColour.name]);
      expect(await columns('things')).to.deep.equal(['id', 'label']);
      await runner.rollback(asModule(createThings, addColour), {module: 'things', steps: 5});
      expect(await tables()).to.deep.equal([EVENTS_TABLE, MIGRATIONS_TABLE]);
      expect(await appliedThings()).to.deep.equal([]);
    });

    it('leaves the schema as it was when a migration fails half-way (and records nothing)', async () => {
      const runner = await service.runner();
      await runner.migrate(asModule(createThings));
      const dataSource = await service.dataSource();
      await dataSource.query('INSERT INTO things (id, label) VALUES (?, ?)', [1, 'kept']);
      let failure: {code?: string; message: string; details?: Record<string, unknown>} | undefined;
      try {
        await runner.migrate(asModule(createThings, broken));
      } catch (error) {
        failure = error as typeof failure;
      }
      expect(failure?.code).to.equal('MIGRATION_FAILED');
      expect(failure?.message).to.match(
        /^Migration things\/20261128000200-broken failed to apply at step 3 of 3: .+; the schema is as it was before it$/,
      );
      expect(failure?.details).to.include({step: 3, undone: true});
      expect(await tables()).to.deep.equal([EVENTS_TABLE, MIGRATIONS_TABLE, 'things']);
      expect(await columns('things')).to.deep.equal(['id', 'label']);
      expect((await appliedThings()).map((row) => row.name)).to.deep.equal([createThings.name]);
      expect(await dataSource.query('SELECT label FROM things')).to.deep.equal([{label: 'kept'}]);
    });

    it('refuses to roll back a migration whose module is unknown', async () => {
      const runner = await service.runner();
      await runner.migrate(asModule(createThings));
      try {
        await runner.rollback([], {steps: 1});
        expect.fail('rollback should refuse');
      } catch (error) {
        expect(error).to.include({code: 'MIGRATION_UNKNOWN', exitCode: 2});
      }
      expect(await tables()).to.include('things');
    });

    it('refuses a rollback that drops guarded records unless the module is named, with the count', async () => {
      const runner = await service.runner();
      const guarded = asModule({...createThings, rollbackDestroys: ['things']}, addColour);
      await runner.migrate(guarded);
      const dataSource = await service.dataSource();
      for (const id of [1, 2, 3])
        await dataSource.query('INSERT INTO things (id, label) VALUES (?, ?)', [id, `thing ${id}`]);
      for (const options of [{steps: 2}, {steps: 2, dryRun: true}]) {
        try {
          await runner.rollback(guarded, options);
          expect.fail('rollback should refuse');
        } catch (error) {
          expect(error).to.include({code: 'ROLLBACK_DESTROYS_RECORDS', exitCode: 2});
          expect((error as Error).message).to.equal(
            `Refusing to roll back: things/${createThings.name} drops things (3 records), and those records cannot be restored`,
          );
          expect((error as {details: object}).details).to.deep.equal({
            migrations: [{module: 'things', name: createThings.name, destroys: {things: 3}}],
          });
        }
      }
      // Nothing was reverted, not even the newer, unguarded migration.
      expect((await appliedThings()).map((row) => row.name)).to.deep.equal([createThings.name, addColour.name]);
      expect(await runner.rollback(guarded, {steps: 1})).to.have.length(1);
      const reverted = await runner.rollback(guarded, {module: 'things', steps: 1});
      expect(reverted).to.deep.equal([
        {module: 'things', name: createThings.name, steps: 1, status: 'reverted', destroys: {things: 3}},
      ]);
      expect(await tables()).to.deep.equal([EVENTS_TABLE, MIGRATIONS_TABLE]);
    });

    it("keeps a use case that overlaps another one's failing transaction (one process)", async () => {
      const {EntitySchema} = await import('../../src/schema.js');
      const Thing = new EntitySchema<{id: number; label: string}>({
        name: 'Thing',
        tableName: 'things',
        columns: {id: {type: 'integer', primary: true}, label: {type: 'varchar', length: 50}},
      });
      await (await service.runner()).migrate(asModule(createThings));
      const db = await service.forModule(
        {
          name: 'things',
          root: home.path,
          manifest: {name: 'things', version: '1.0.0', type: 'service', description: 'x'},
        },
        [Thing],
      );
      let release!: () => void;
      const paused = new Promise<void>((resolve) => {
        release = resolve;
      });
      // A starts and waits; B starts meanwhile and finishes; then A fails and rolls back.
      const failing = db.transaction(async (manager) => {
        await manager.getRepository(Thing).save({id: 1, label: 'from A'});
        await paused;
        throw new Error('A failed');
      });
      const other = db.transaction(async (manager) => manager.getRepository(Thing).save({id: 2, label: 'from B'}));
      setTimeout(release, 50);
      const [a, b] = await Promise.allSettled([failing, other]);
      expect(a.status).to.equal('rejected');
      expect(b.status).to.equal('fulfilled');
      // On SQLite B used to nest inside A (one connection) and vanish with A's rollback.
      expect((await db.repository(Thing).find({order: {id: 'ASC'}})).map((thing) => thing.label)).to.deep.equal([
        'from B',
      ]);
      // A transaction opened inside another still nests in it.
      await db.transaction(async (outer) => {
        await outer.getRepository(Thing).save({id: 3, label: 'outer'});
        await db.transaction(async (inner) => inner.getRepository(Thing).save({id: 4, label: 'inner'}));
      });
      expect(await db.repository(Thing).count()).to.equal(3);
    });

    it('gives modules repositories and one-transaction use cases', async () => {
      const {EntitySchema} = await import('../../src/schema.js');
      const Thing = new EntitySchema<{id: number; label: string}>({
        name: 'Thing',
        tableName: 'things',
        columns: {id: {type: 'integer', primary: true}, label: {type: 'varchar', length: 50}},
      });
      await (await service.runner()).migrate(asModule(createThings));
      const db = await service.forModule(
        {
          name: 'things',
          root: home.path,
          manifest: {name: 'things', version: '1.0.0', type: 'service', description: 'x'},
        },
        [Thing],
      );
      await db.repository(Thing).save({id: 1, label: 'one'});
      try {
        await db.transaction(async (manager) => {
          await manager.getRepository(Thing).save({id: 2, label: 'two'});
          throw new Error('use case failed');
        });
      } catch (error) {
        expect((error as Error).message).to.equal('use case failed');
      }
      expect((await db.repository(Thing).find({order: {id: 'ASC'}})).map((thing) => thing.label)).to.deep.equal([
        'one',
      ]);
    });
  });
}
