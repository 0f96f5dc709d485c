import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTestDatabase, describeEachEngine, expectFailure, runCli, createTempHome} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('database commands', {root}, (t) => {
  const write = (sql: string, ...params: string[]) =>
    t.cli('database:query', sql, ...params.flatMap((param) => ['--param', param]), '--write', '--confirm');

  describe('database:status', () => {
    it('creates and migrates a fresh database on first use, silently', async () => {
      const run = await t.cli('database:status', '--json');
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stderr).to.equal('');
      const {data} = run.json();
      expect(data.engine).to.equal(t.engine);
      expect(data.version).to.be.a('string').and.not.empty;
      // The migrations table, and the events table of the database module's own migration.
      expect(data.tableCount).to.equal(2);
      expect(data.tablesByModule.database).to.equal(2);
      expect(data.migrations).to.deep.equal({applied: 1, pending: 0});
      expect(data.latencyMs).to.be.a('number');
      if (t.engine === 'sqlite') {
        expect(data.location).to.equal(join(t.home.path, 'data', 'modules', 'database', 'systemprompt.sqlite'));
        expect(existsSync(data.location)).to.equal(true);
        expect(data.sizeBytes).to.be.greaterThan(0);
      } else {
        expect(data.location).to.equal(t.database.url!.replace(/^mysql:\/\/([^:@]+)(:[^@]*)?@/, 'mysql://$1@'));
      }
    });
  });

  describe('database:query', () => {
    beforeEach(async () => {
      expect((await write('CREATE TABLE notes (id integer PRIMARY KEY, title varchar(50))')).exitCode).to.equal(0);
      expect((await write('INSERT INTO notes (id, title) VALUES (1, ?), (2, ?)', 'first', 'second')).exitCode).to.equal(
        0,
      );
    });

    const count = async () =>
      Number((await t.cli('database:query', 'SELECT COUNT(*) AS n FROM notes', '--json')).json().data[0].n);

    it('returns rows as a table, and as data with the total and columns in JSON', async () => {
      const table = await t.cli('database:query', 'SELECT id, title FROM notes ORDER BY id');
      expect(table.stdout).to.equal('ID  TITLE\n1   first\n2   second\n');
      const json = (await t.cli('database:query', 'SELECT id, title FROM notes ORDER BY id', '--json')).json();
      expect(json.data).to.deep.equal([
        {id: 1, title: 'first'},
        {id: 2, title: 'second'},
      ]);
      expect(json.meta).to.include({total: 2, count: 2});
      expect(json.meta.columns).to.deep.equal(['id', 'title']);
    });

    it('binds parameters instead of splicing them into the SQL', async () => {
      const hostile = "first' OR '1'='1";
      const run = await t.cli('database:query', 'SELECT id FROM notes WHERE title = ?', '--param', hostile, '--json');
      expect(run.json().data).to.deep.equal([]);
      const exact = await t.cli(
        'database:query',
        'SELECT id FROM notes WHERE title = ?',
        '--param',
        'second',
        '--json',
      );
      expect(exact.json().data).to.deep.equal([{id: 2}]);
    });

    for (const [label, sql] of [
      ['a DELETE', 'DELETE FROM notes'],
      ['an UPDATE', "UPDATE notes SET title = 'x'"],
      [
        'a WITH ... DELETE',
        'WITH doomed AS (SELECT id FROM notes) DELETE FROM notes WHERE id IN (SELECT id FROM doomed)',
      ],
      ['a DROP TABLE', 'DROP TABLE notes'],
    ]) {
      it(`refuses ${label} without --write (exit 4) and changes nothing`, async () => {
        const run = await t.cli('database:query', sql!, '--json');
        if (t.engine === 'mysql' && label === 'a WITH ... DELETE') {
          // MariaDB 10.11 has no WITH before DELETE: the statement does not even parse.
          expectFailure(run, 2, 'QUERY_FAILED');
        } else {
          expectFailure(run, 4, 'QUERY_READ_ONLY', /^The query tried to change data: /);
        }
        expect(await count()).to.equal(2);
      });
    }

    it('refuses stacked statements (exit 2) and runs neither', async () => {
      // SQLite's driver would run only the first: the service refuses the pair. MySQL's refuses to parse it (no multipleStatements).
      expectFailure(
        await t.cli('database:query', 'SELECT 1; DELETE FROM notes', '--json'),
        2,
        t.engine === 'sqlite' ? 'QUERY_MULTIPLE_STATEMENTS' : 'QUERY_FAILED',
      );
      expect(await count()).to.equal(2);
    });

    it('refuses functions with side effects in a read', async () => {
      if (t.engine === 'sqlite') {
        expectFailure(
          await t.cli('database:query', "SELECT load_extension('/tmp/nothing')", '--json'),
          2,
          'QUERY_FAILED',
          /^The query failed: /,
        );
      } else {
        expect(
          (
            await write(
              'CREATE FUNCTION wipe_notes() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM notes; RETURN 1; END',
            )
          ).exitCode,
        ).to.equal(0);
        expectFailure(await t.cli('database:query', 'SELECT wipe_notes() AS wiped', '--json'), 4, 'QUERY_READ_ONLY');
        expectFailure(
          await t.cli('database:query', `SELECT * FROM notes INTO OUTFILE '/tmp/sp-${Date.now()}.csv'`, '--json'),
          4,
          'QUERY_NOT_ALLOWED',
        );
      }
      expect(await count()).to.equal(2);
    });

    it('changes data with --write --confirm, in a transaction, and reports the changes', async () => {
      const run = await t.cli(
        'database:query',
        'DELETE FROM notes WHERE id = ?',
        '--param',
        '1',
        '--write',
        '--confirm',
        '--json',
      );
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.json().data.changes).to.equal(1);
      expect(await count()).to.equal(1);
    });

    it('refuses --write without --confirm when there is no terminal', async () => {
      expectFailure(
        await t.cli('database:query', 'DELETE FROM notes', '--write', '--json'),
        2,
        'CONFIRMATION_REQUIRED',
      );
      expect(await count()).to.equal(2);
    });

    it('cuts the rows at --limit and says how many there were', async () => {
      const run = await t.cli('database:query', 'SELECT id FROM notes ORDER BY id', '--limit', '1');
      expect(run.stdout).to.equal('ID\n1\n');
      expect(run.stderr).to.equal('Showing 1-1 of 2; raise --limit (0 for all) for more.\n');
    });

    it('stops an endless statement at --timeout with exit 6, and nothing of it keeps running', async () => {
      const marker = `endless_${Date.now()}`;
      // No bound: before, SQLite's worker thread ran on in native code (minutes of CPU) and kept the
      // command alive. MariaDB caps recursion (max_recursive_iterations), so there 10^12 joined rows.
      const endless =
        t.engine === 'sqlite'
          ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) AS ${marker} FROM n`
          : `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT COUNT(*) AS ${marker} FROM n a, n b, n c, n d`;
      const started = Date.now();
      const run = await t.cli('database:query', endless, '--timeout', '1000', '--json');
      const elapsed = Date.now() - started;
      expect(expectFailure(run, 6, 'QUERY_TIMEOUT').message).to.equal(
        'The query did not finish within 1000 ms and was stopped',
      );
      // A generous margin for a loaded machine; what matters is that it ends at all.
      expect(elapsed).to.be.lessThan(1000 + 4000);
      if (t.engine === 'mysql') {
        // Seen from the server (database:query itself refuses SHOW PROCESSLIST): the statement is gone.
        const {createConnection} = await import('mysql2/promise');
        const connection = await createConnection(t.database.url!);
        try {
          const [running] = (await connection.query('SHOW FULL PROCESSLIST')) as unknown as [
            Array<{Info: string | null}>,
          ];
          expect(
            running.filter((row) => row.Info?.includes(marker) && !row.Info.includes('PROCESSLIST')),
          ).to.deep.equal([]);
        } finally {
          await connection.end();
        }
      }
    });
  });

  describe("database:query reaches only this installation's database", () => {
    const refused = async (...args: string[]) => {
      const run = await t.cli('database:query', ...args, '--json');
      expectFailure(run, 4, 'QUERY_NOT_ALLOWED', /^The query was refused: /);
      return run;
    };

    it('refuses other schemas, server files and server statements on MySQL; on SQLite other files', async () => {
      if (t.engine === 'mysql') {
        await refused('SELECT user FROM mysql.user');
        await refused("SELECT LOAD_FILE('/etc/passwd')");
        await refused('SELECT * FROM test.x');
        await refused('SELECT table_name FROM information_schema.tables');
        await refused('SHOW DATABASES');
        await refused('USE mysql');
        await refused("SELECT 1 INTO OUTFILE '/tmp/sp-outfile'", '--write', '--confirm');
        await refused(
          "UPDATE mysql.user SET authentication_string = '' WHERE user = ?",
          '--param',
          'root',
          '--write',
          '--confirm',
        );
        // Another installation's database on the same server: named, refused.
        const other = await createTestDatabase('mysql');
        try {
          await refused(`SELECT * FROM ${other.url!.replace(/.*\//, '')}.anything`);
        } finally {
          await other.drop();
        }
        // Its own schema, named or not, is fine.
        const own = t.database.url!.replace(/.*\//, '');
        const run = await t.cli(
          'database:query',
          `SELECT COUNT(*) AS n FROM ${own}.systemprompt_migrations m WHERE m.id > ?`,
          '--param',
          '0',
          '--json',
        );
        expect(run.exitCode, run.stderr).to.equal(0);
      } else {
        await refused(`ATTACH DATABASE '${join(t.home.path, 'other.sqlite')}' AS other`, '--write', '--confirm');
        await refused(`VACUUM INTO '${join(t.home.path, 'copy.sqlite')}'`, '--write', '--confirm');
        await refused('PRAGMA journal_mode = DELETE', '--write', '--confirm');
        expect(existsSync(join(t.home.path, 'other.sqlite'))).to.equal(false);
        expect(existsSync(join(t.home.path, 'copy.sqlite'))).to.equal(false);
        const info = await t.cli('database:query', 'PRAGMA table_info(systemprompt_migrations)', '--json');
        expect(info.exitCode, info.stderr).to.equal(0);
      }
    });
  });

  describe('database:schema', () => {
    it('lists the columns of each table by module, and prints DDL for the engine', async () => {
      await write('CREATE TABLE database_extra (id integer NOT NULL PRIMARY KEY, label varchar(20) NOT NULL)');
      const columns = (await t.cli('database:schema', '--module', 'database', '--json')).json().data;
      expect(
        columns
          .filter((column: {table: string}) => column.table === 'database_extra')
          .map((column: {column: string; nullable: boolean}) => [column.column, column.nullable]),
      ).to.deep.equal([
        ['id', false],
        ['label', false],
      ]);
      const ddl = await t.cli('database:schema', '--ddl');
      expect(ddl.stdout).to.match(
        t.engine === 'sqlite' ? /CREATE TABLE "?database_extra"?/ : /CREATE TABLE `database_extra`/,
      );
      expect(ddl.stdout).to.include('systemprompt_migrations');
    });
  });

  describe('database:migrate and database:rollback', () => {
    it('has nothing to do without module migrations, says so, and guards the event store', async () => {
      const run = await t.cli('database:migrate');
      expect(run.exitCode).to.equal(0);
      expect(run.stderr).to.equal('Nothing to migrate: the schema is up to date.\n');
      // The one migration is the database module's own (the events table), guarded against accidents.
      expectFailure(
        await t.cli('database:rollback', '--confirm', '--json'),
        2,
        'ROLLBACK_DESTROYS_RECORDS',
        /drops events \(0 records\)/,
      );
      const named = await t.cli('database:rollback', '--module', 'database', '--confirm', '--json');
      expect(named.exitCode, named.stderr).to.equal(0);
      expect(named.json().data.map((item: {name: string}) => item.name)).to.deep.equal([
        '20261210000000-create-events',
      ]);
      // The next process that opens the database creates the table again, before anything else.
      const status = (await t.cli('database:status', '--json')).json().data;
      expect(status.migrations).to.deep.equal({applied: 1, pending: 0});
    });

    it('names an unknown module with exit 3', async () => {
      expectFailure(
        await t.cli('database:migrate', '--module', 'nope', '--json'),
        3,
        'MODULE_NOT_FOUND',
        /^No module named "nope"$/,
      );
    });
  });
});

describe('database connection errors', () => {
  it('reports an unreachable MySQL server with exit 6, naming the host and never the password', async () => {
    const home = await createTempHome();
    try {
      const run = await runCli(['database:status'], {
        root,
        home: home.path,
        env: {SYSTEMPROMPT_DATABASE_URL: 'mysql://admin:hunter2secret@127.0.0.1:1/app'},
      });
      expect(run.exitCode).to.equal(6);
      expect(run.stderr).to.match(/^Cannot connect to MySQL at 127\.0\.0\.1:1 \(database app, user admin\): /);
      expect(run.stdout + run.stderr).to.not.include('hunter2secret');
      const json = await runCli(['database:status', '--json', '--verbose'], {
        root,
        home: home.path,
        env: {SYSTEMPROMPT_DATABASE_URL: 'mysql://admin:hunter2secret@127.0.0.1:1/app'},
      });
      expect(json.stdout + json.stderr).to.not.include('hunter2secret');
      expectFailure(json, 6, 'DATABASE_UNAVAILABLE');
    } finally {
      await home.remove();
    }
  });

  it('rejects a database URL it cannot use with exit 2 and no password', async () => {
    const home = await createTempHome();
    try {
      const run = await runCli(['database:status'], {
        root,
        home: home.path,
        env: {SYSTEMPROMPT_DATABASE_URL: 'postgres://u:topsecret@localhost/db'},
      });
      expect(run.exitCode).to.equal(2);
      expect(run.stderr.split('\n')[0]).to.match(/Unsupported database URL scheme "postgres"$/);
      expect(run.stderr).to.not.include('topsecret');
      const json = await runCli(['database:status', '--json'], {
        root,
        home: home.path,
        env: {SYSTEMPROMPT_DATABASE_URL: 'postgres://u:topsecret@localhost/db'},
      });
      expectFailure(json, 2, 'DATABASE_URL_INVALID', /Unsupported database URL scheme "postgres"$/);
      expect(json.stdout + json.stderr).to.not.include('topsecret');
    } finally {
      await home.remove();
    }
  });
});
