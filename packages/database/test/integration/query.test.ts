import {join} from 'node:path';
import {expect} from 'chai';
import {silentLogger} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
// The compiled code: SQLite queries run in a worker thread, which loads JavaScript, not TypeScript.
import {parseDatabaseUrl} from '../../dist/connection.js';
import {DatabaseService} from '../../dist/services/database-service.js';
import {runQuery} from '../../dist/services/query.js';

for (const engine of testEngines()) {
  describe(`runQuery [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let service: DatabaseService;

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      service = new DatabaseService(
        {
          target: parseDatabaseUrl(database.url, join(home.path, 'q.sqlite')),
          poolSize: 1,
          busyTimeoutMs: 2000,
          connectTimeoutMs: 5000,
          queryTimeoutMs: 5000,
        },
        silentLogger,
      );
      const dataSource = await service.dataSource();
      await dataSource.query('CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar(20) NOT NULL)');
      await dataSource.query('INSERT INTO items (id, label) VALUES (1, ?), (2, ?), (3, ?)', ['a', 'b', 'c']);
    });
    afterEach(async () => {
      await service.close();
      await database.drop();
      await home.remove();
    });

    const read = (sql: string, params: unknown[] = [], limit: number | null = null) =>
      runQuery(service, {sql, params, write: false, timeoutMs: 5000, limit});

    it('runs the same read again on the same connection (prepared statements are reused safely)', async () => {
      for (let round = 0; round < 3; round++) {
        const result = await read('SELECT label FROM items WHERE id > ? ORDER BY id', [round]);
        expect(result.kind === 'rows' && result.rows.map((row) => row.label)).to.deep.equal(
          ['a', 'b', 'c'].slice(round),
        );
      }
    });

    it('counts every row but returns at most the limit', async () => {
      const result = await read('SELECT id FROM items ORDER BY id', [], 2);
      expect(result).to.deep.include({kind: 'rows', total: 3});
      expect(result.kind === 'rows' && result.rows).to.deep.equal([{id: 1}, {id: 2}]);
    });

    it('returns binary values as 0x-hex', async () => {
      const sql = engine === 'sqlite' ? "SELECT X'CAFE' AS blob" : "SELECT UNHEX('CAFE') AS `blob`";
      const result = await read(sql);
      expect(result.kind === 'rows' && result.rows[0]).to.deep.equal({blob: '0xcafe'});
    });

    it('writes in a transaction with --write and reports the changed rows', async () => {
      const result = await runQuery(service, {
        sql: 'UPDATE items SET label = ? WHERE id >= ?',
        params: ['z', 2],
        write: true,
        timeoutMs: 5000,
        limit: null,
      });
      expect(result).to.deep.include({kind: 'changes', changes: 2});
      const after = await read('SELECT label FROM items ORDER BY id');
      expect(after.kind === 'rows' && after.rows.map((row) => row.label)).to.deep.equal(['a', 'z', 'z']);
    });
  });
}
