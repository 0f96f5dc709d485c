import {join} from 'node:path';
import {expect} from 'chai';
import {silentLogger} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import {EntitySchema, Table, defineMigration} from '../../src/schema.js';
import {DatabaseService} from '../../src/services/database-service.js';

const manifest = (name: string) => ({name, version: '1.0.0', type: 'service' as const, description: 'x'});

const createTables = defineMigration({
  name: '20261202000000-create-shelves-and-books',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'shelves',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true},
              {name: 'label', type: 'varchar', length: '50'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('shelves'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'books',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true},
              {name: 'title', type: 'varchar', length: '50'},
              {name: 'shelf_id', type: 'integer', isNullable: true},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('books'),
    },
  ],
});

interface Shelf {
  id: number;
  label: string;
}

const Shelf = new EntitySchema<Shelf>({
  name: 'Shelf',
  tableName: 'shelves',
  columns: {id: {type: 'integer', primary: true}, label: {type: 'varchar', length: 50}},
});
const Note = new EntitySchema<{id: number; title: string}>({
  name: 'Note',
  tableName: 'books',
  columns: {id: {type: 'integer', primary: true}, title: {type: 'varchar', length: 50}},
});
// Points at another module's entity: its metadata must be built together with that one.
const Book = new EntitySchema<{id: number; title: string; shelf?: Shelf | null}>({
  name: 'Book',
  tableName: 'books',
  columns: {id: {type: 'integer', primary: true}, title: {type: 'varchar', length: 50}},
  relations: {shelf: {type: 'many-to-one', target: 'Shelf', joinColumn: {name: 'shelf_id'}, nullable: true}},
});

for (const engine of testEngines()) {
  describe(`entities of modules attached one after another [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let service: DatabaseService;

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      service = new DatabaseService(
        {
          target: parseDatabaseUrl(database.url, join(home.path, 'test.sqlite')),
          poolSize: 4,
          busyTimeoutMs: 2000,
          connectTimeoutMs: 5000,
          queryTimeoutMs: 5000,
        },
        silentLogger,
      );
      await (await service.runner()).migrate([{...createTables, module: 'shelves'}]);
    });
    afterEach(async () => {
      await service.close();
      await database.drop();
      await home.remove();
    });

    it('builds each standalone entity once: what an earlier module attached is kept as it was', async () => {
      const shelves = await service.forModule({name: 'shelves', root: home.path, manifest: manifest('shelves')}, [
        Shelf,
      ]);
      const before = shelves.dataSource.getMetadata(Shelf);
      const notes = await service.forModule({name: 'notes', root: home.path, manifest: manifest('notes')}, [Note]);
      expect(shelves.dataSource.getMetadata(Shelf)).to.equal(before);
      await shelves.repository(Shelf).save({id: 1, label: 'top'});
      await notes.repository(Note).save({id: 7, title: 'kept'});
      expect(await notes.repository(Note).findOneBy({id: 7})).to.deep.equal({id: 7, title: 'kept'});
      expect(await shelves.repository(Shelf).count()).to.equal(1);
    });

    it("builds an entity with a relation to another module's entity together with it, and the relation works", async () => {
      const shelves = await service.forModule({name: 'shelves', root: home.path, manifest: manifest('shelves')}, [
        Shelf,
      ]);
      const books = await service.forModule({name: 'books', root: home.path, manifest: manifest('books')}, [Book]);
      await shelves.repository(Shelf).save({id: 1, label: 'top'});
      await books.repository(Book).save({id: 2, title: 'Dune', shelf: {id: 1, label: 'top'}});
      const found = await books.repository(Book).findOne({where: {id: 2}, relations: {shelf: true}});
      expect(found).to.deep.equal({id: 2, title: 'Dune', shelf: {id: 1, label: 'top'}});
    });
  });
}
