import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  createTempHome,
  createTestDatabase,
  describeEachEngine,
  expectFailure,
  runCli,
  type EngineName,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const trust = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'};

const SCHEMA = [
  'CREATE TABLE tr_parents (id integer PRIMARY KEY, name varchar(40) NOT NULL UNIQUE, score double, active boolean NOT NULL, note text, data blob)',
  'CREATE TABLE tr_children (id varchar(32) PRIMARY KEY, parent_id integer NOT NULL, amount bigint, FOREIGN KEY (parent_id) REFERENCES tr_parents (id))',
];

/** A second, empty installation on the same engine: the "wiped" database of a round trip. */
async function freshInstallation(engine: EngineName) {
  const home: TempHome = await createTempHome();
  const database: TestDatabase = await createTestDatabase(engine);
  const cli = (...args: string[]) =>
    runCli(args, {root, home: home.path, env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...trust, ...database.env}});
  return {
    cli,
    cleanup: async () => {
      await database.drop();
      await home.remove();
    },
  };
}

type Cli = (...args: string[]) => ReturnType<typeof runCli>;

async function createSchema(cli: Cli): Promise<void> {
  for (const statement of SCHEMA) {
    const run = await cli('database:query', statement, '--write', '--confirm');
    expect(run.exitCode, run.stderr).to.equal(0);
  }
}

async function fill(cli: Cli): Promise<void> {
  const statements = [
    "INSERT INTO tr_parents (id, name, score, active, note, data) VALUES (1, 'ana', 0.1, 1, 'line one\nline \"two\", with, commas', X'DEADBEEF')",
    "INSERT INTO tr_parents (id, name, score, active, note, data) VALUES (2, 'bo', NULL, 0, '', NULL)",
    "INSERT INTO tr_parents (id, name, score, active, note, data) VALUES (3, 'ünïcødé 🚀', -12.5, 1, NULL, X'00')",
    "INSERT INTO tr_children (id, parent_id, amount) VALUES ('c1', 1, 9007199254740991), ('c2', 1, NULL), ('c3', 3, -5)",
  ];
  for (const statement of statements) {
    const run = await cli('database:query', statement, '--write', '--confirm');
    expect(run.exitCode, run.stderr).to.equal(0);
  }
}

const rowsOf = async (cli: Cli, table: string) =>
  (await cli('database:query', `SELECT * FROM ${table} ORDER BY id`, '--json')).json().data as Array<
    Record<string, unknown>
  >;

/** The row lines of an NDJSON export (the header, which holds the time, left out). */
const rowLines = (text: string) => text.split('\n').slice(1).filter(Boolean);

describeEachEngine('data:export and data:import', {root}, (t) => {
  beforeEach(async () => {
    await createSchema(t.cli);
    await fill(t.cli);
  });

  it('round-trips every table through NDJSON into a fresh database, row for row', async () => {
    const file = join(t.home.path, 'all.ndjson');
    const exported = await t.cli('data:export', '--output', file, '--json');
    expect(exported.exitCode, exported.stderr).to.equal(0);
    const summary = exported.json().data;
    expect(summary.tables.map((table: {table: string}) => table.table)).to.include.members([
      'tr_parents',
      'tr_children',
    ]);
    const text = await readFile(file, 'utf8');
    const header = JSON.parse(text.split('\n')[0]!);
    expect(header).to.include({format: 'systemprompt-data', version: 1, engine: t.engine});
    expect(header.modules).to.have.property('database');
    const parents = header.tables.find((table: {name: string}) => table.name === 'tr_parents');
    expect(parents.rows).to.equal(3);
    expect(parents.primaryKey).to.deep.equal(['id']);
    // Parents come before the tables that reference them.
    const order = header.tables.map((table: {name: string}) => table.name);
    expect(order.indexOf('tr_parents')).to.be.lessThan(order.indexOf('tr_children'));
    expect(text).to.include('{"$base64":"3q2+7w=="}');

    const fresh = await freshInstallation(t.engine);
    try {
      await createSchema(fresh.cli);
      const imported = await fresh.cli('data:import', file, '--json');
      expect(imported.exitCode, imported.stdout + imported.stderr).to.equal(0);
      expect(imported.json().data).to.include({rows: 6, problemCount: 0, dryRun: false});
      expect(await rowsOf(fresh.cli, 'tr_parents')).to.deep.equal(await rowsOf(t.cli, 'tr_parents'));
      const again = await fresh.cli('data:export');
      expect(again.exitCode, again.stderr).to.equal(0);
      expect(rowLines(again.stdout)).to.deep.equal(rowLines(text));
    } finally {
      await fresh.cleanup();
    }
  });

  for (const format of ['json', 'csv'] as const) {
    it(`round-trips a table through ${format.toUpperCase()}, NULL, empty text, quotes and line breaks included`, async () => {
      const file = join(t.home.path, `parents.${format}`);
      const exported = await t.cli('data:export', '--table', 'tr_parents', '--format', format, '--output', file);
      expect(exported.exitCode, exported.stderr).to.equal(0);
      expect(exported.stderr).to.match(/^Exported 3 rows of 1 tables to /);
      const fresh = await freshInstallation(t.engine);
      try {
        await createSchema(fresh.cli);
        const imported = await fresh.cli('data:import', file, '--json');
        expect(imported.exitCode, imported.stdout + imported.stderr).to.equal(0);
        expect(imported.json().data).to.include({format, rows: 3});
        expect(await rowsOf(fresh.cli, 'tr_parents')).to.deep.equal(await rowsOf(t.cli, 'tr_parents'));
      } finally {
        await fresh.cleanup();
      }
    });
  }

  it('refuses a file with a wrong type, a missing NOT NULL and a duplicate key: nothing written, a per-row report, exit 2', async () => {
    const file = join(t.home.path, 'all.ndjson');
    expect((await t.cli('data:export', '--output', file)).exitCode).to.equal(0);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    const header = JSON.parse(lines[0]!);
    const bad = [
      {table: 'tr_parents', row: {id: 10, name: 'ten', score: 'lots', active: 1, note: null, data: null}},
      {table: 'tr_parents', row: {id: 11, score: 1, active: 1, note: null, data: null}},
      {table: 'tr_parents', row: {id: 12, name: 'ana', score: 1, active: 1, note: null, data: null}},
      {table: 'tr_parents', row: {id: 13, name: 'fine', score: 1, active: 1, note: null, data: null}},
    ];
    for (const table of header.tables) table.rows = table.name === 'tr_parents' ? bad.length : 0;
    const broken = join(t.home.path, 'broken.ndjson');
    await writeFile(broken, [JSON.stringify(header), ...bad.map((line) => JSON.stringify(line))].join('\n') + '\n');

    const run = await t.cli('data:import', broken, '--json');
    expect(run.exitCode, run.stdout + run.stderr).to.equal(2);
    const report = run.json().data;
    expect(report.problemCount).to.equal(3);
    expect(
      report.problems.map((problem: {row: number; column: string | null}) => [problem.row, problem.column]),
    ).to.deep.equal([
      [1, 'score'],
      [2, 'name'],
      [3, t.engine === 'sqlite' ? 'name' : null],
    ]);
    expect(report.problems[0].reason).to.match(/expected a number/);
    expect(report.problems[1].reason).to.match(/NOT NULL/);
    expect(report.problems[2].reason).to.match(/^duplicate key/);
    expect(run.json().warnings[0]).to.match(/^Nothing was imported: 3 problems/);
    // Nothing was written, not even the good row 4.
    expect((await rowsOf(t.cli, 'tr_parents')).map((row) => row.id)).to.deep.equal([1, 2, 3]);

    const table = await t.cli('data:import', broken);
    expect(table.exitCode).to.equal(2);
    expect(table.stdout).to.match(/^TABLE\s+ROW\s+LINE\s+COLUMN\s+REASON\n/);
    expect(table.stderr).to.match(/Nothing was imported/);
  });

  it('checks a file with --dry-run without writing, and replaces the tables with --replace', async () => {
    const file = join(t.home.path, 'parents.ndjson');
    expect((await t.cli('data:export', '--table', 'tr_parents', '--output', file)).exitCode).to.equal(0);
    // The rows are there already: adding them again is a duplicate key.
    expect((await t.cli('data:import', file, '--dry-run', '--json')).exitCode).to.equal(2);
    expectFailure(await t.cli('data:import', file, '--replace', '--json'), 2, 'CONFIRMATION_REQUIRED');
    // tr_children refers to tr_parents and is not in the file: emptying tr_parents is refused, in the report.
    const referenced = await t.cli('data:import', file, '--replace', '--confirm', '--json');
    expect(referenced.exitCode).to.equal(2);
    expect(referenced.json().data.problems[0]).to.include({table: 'tr_parents', row: null});
    expect(referenced.json().data.problems[0].reason).to.match(/^cannot be emptied/);
    expect(await rowsOf(t.cli, 'tr_children')).to.have.length(3);

    await t.cli('database:query', 'DELETE FROM tr_children', '--write', '--confirm');
    await t.cli('database:query', 'DELETE FROM tr_parents WHERE id = 2', '--write', '--confirm');
    const dry = await t.cli('data:import', file, '--replace', '--dry-run', '--json');
    expect(dry.exitCode, dry.stdout).to.equal(0);
    expect(dry.json().meta).to.include({dryRun: true});
    expect(dry.json().data.rows).to.equal(3);
    expect((await rowsOf(t.cli, 'tr_parents')).map((row) => row.id)).to.deep.equal([1, 3]);
    const replaced = await t.cli('data:import', file, '--replace', '--confirm', '--json');
    expect(replaced.exitCode, replaced.stdout).to.equal(0);
    expect(replaced.json().data.rows).to.equal(3);
    expect((await rowsOf(t.cli, 'tr_parents')).map((row) => row.id)).to.deep.equal([1, 2, 3]);
  });

  it('refuses unknown tables, unknown names and files that are not exports', async () => {
    expectFailure(
      await t.cli('data:export', '--table', 'nope', '--json', '--output', join(t.home.path, 'x')),
      3,
      'DATA_TABLE_NOT_FOUND',
    );
    expectFailure(
      await t.cli('data:export', '--format', 'csv', '--json', '--output', join(t.home.path, 'x.csv')),
      2,
      'DATA_EXPORT_CSV_ONE_TABLE',
    );
    const file = join(t.home.path, 'parents.ndjson');
    expect((await t.cli('data:export', '--table', 'tr_parents', '--output', file)).exitCode).to.equal(0);
    const fresh = await freshInstallation(t.engine);
    try {
      expectFailure(await fresh.cli('data:import', file, '--json'), 2, 'DATA_IMPORT_UNKNOWN_TABLE', /tr_parents/);
    } finally {
      await fresh.cleanup();
    }
    const junk = join(t.home.path, 'junk.txt');
    await writeFile(junk, 'hello\n');
    expectFailure(await t.cli('data:import', junk, '--json'), 2, 'DATA_IMPORT_INVALID');
  });
});

describeEachEngine('data:migrate', {root}, (t) => {
  beforeEach(async () => {
    await createSchema(t.cli);
    await fill(t.cli);
  });

  const targets: Array<{
    label: string;
    make: () => Promise<{url: string; env: Record<string, string>; drop(): Promise<void>}>;
  }> = [
    {
      label: 'a SQLite file',
      make: async () => {
        const home = await createTempHome();
        const file = join(home.path, 'copy.sqlite');
        return {
          url: `sqlite://${file}`,
          env: {SYSTEMPROMPT_DATABASE_URL: `sqlite://${file}`},
          drop: () => home.remove(),
        };
      },
    },
  ];
  if (process.env.SYSTEMPROMPT_TEST_MYSQL_URL)
    targets.push({
      label: 'a fresh MariaDB database',
      make: async () => {
        const database = await createTestDatabase('mysql');
        return {url: database.url!, env: database.env, drop: () => database.drop()};
      },
    });

  for (const target of targets) {
    it(`copies everything to ${target.label}, migrated first, verified by counts and checksums`, async () => {
      const made = await target.make();
      try {
        // These tables are no module's: the target gets them as an operator would, before the copy.
        const prepared = await createTempHome();
        await createSchema((...args: string[]) =>
          runCli(args, {root, home: prepared.path, env: {...trust, ...made.env}}),
        );
        await prepared.remove();
        const run = await t.cli('data:migrate', '--to', made.url, '--json');
        expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
        const {data, meta} = run.json();
        const parents = data.find((row: {table: string}) => row.table === 'tr_parents');
        expect(parents).to.include({sourceRows: 3, targetRows: 3, verified: true});
        expect(data.every((row: {verified: boolean}) => row.verified)).to.equal(true);
        expect(meta.switchWith).to.match(/^SYSTEMPROMPT_DATABASE_URL=/);
        expect(meta.switchWith).not.to.match(/:[^:@/]+@/);

        // The target is the installation's database now: the same rows.
        const home = await createTempHome();
        try {
          const there = (...args: string[]) => runCli(args, {root, home: home.path, env: {...trust, ...made.env}});
          // Across engines database:query gives BIGINT as a string (MySQL) or a number (SQLite).
          const plain = (rows: Array<Record<string, unknown>>) =>
            rows.map((row) =>
              Object.fromEntries(
                Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)]),
              ),
            );
          expect(plain(await rowsOf(there, 'tr_children'))).to.deep.equal(plain(await rowsOf(t.cli, 'tr_children')));
          expect((await there('database:status', '--json')).json().data.migrations.pending).to.equal(0);
        } finally {
          await home.remove();
        }

        // Again: the target holds data now.
        expectFailure(await t.cli('data:migrate', '--to', made.url, '--json'), 5, 'DATA_MIGRATE_TARGET_NOT_EMPTY');
        expectFailure(await t.cli('data:migrate', '--to', made.url, '--force', '--json'), 2, 'CONFIRMATION_REQUIRED');
        const forced = await t.cli('data:migrate', '--to', made.url, '--force', '--confirm', '--json');
        expect(forced.exitCode, forced.stdout).to.equal(0);
      } finally {
        await made.drop();
      }
    });
  }

  it("refuses this installation's own database", async () => {
    const location = (await t.cli('database:status', '--json')).json().data.location as string;
    const own = t.engine === 'sqlite' ? `sqlite://${location}` : t.database.url!;
    expectFailure(await t.cli('data:migrate', '--to', own, '--json'), 2, 'DATA_MIGRATE_SAME_DATABASE');
  });
});
