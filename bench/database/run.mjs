#!/usr/bin/env node
// Database benchmarks, each as a ratio to a baseline measured in the same process:
//  1. migrating an empty database (20 migrations through the runner) vs the same DDL sent raw;
//  2. database:query over a 100k-row table (all rows) vs the driver's own query;
//  3. whole commands vs `node -e 0` (interleaved, with each command's peak memory): `database:query`
//     over that table, and the commands that open the database with issue 12's target (<= 4.0x for
//     the embedded SQLite database; MySQL/MariaDB figures are shown for comparison).
// SQLite always; MySQL/MariaDB at SYSTEMPROMPT_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test).
// Usage: node bench/database/run.mjs [runs]   (default 5; build first: pnpm run build)
// Exit status: 0 whether or not targets are met (a bench is no test); 1 when something fails.
import {mkdtempSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {TARGETS, bin, loadNote, measure, median, printTable, runsFromArgv, say} from '../lib/measure.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const pkg = join(here, '../../packages/database');
const requireFromDatabase = createRequire(join(pkg, 'package.json'));
const {DatabaseService, parseDatabaseUrl} = await import(join(pkg, 'dist/index.js'));
const {runQuery} = await import(join(pkg, 'dist/services/query.js'));
const {Table, defineMigration} = await import(join(pkg, 'dist/schema.js'));
const {silentLogger} = await import(join(pkg, 'node_modules/@systemprompt/core/dist/bundle/index.js'));
const mysql = requireFromDatabase('mysql2/promise');

const RUNS = runsFromArgv(5);
const ROWS = 100_000;
const MIGRATIONS = 20;
const time = async (work) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

const mysqlServer = new URL(process.env.SYSTEMPROMPT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const admin = () =>
  mysql.createConnection({
    host: mysqlServer.hostname,
    port: Number(mysqlServer.port || 3306),
    user: decodeURIComponent(mysqlServer.username || 'root'),
    password: decodeURIComponent(mysqlServer.password),
  });

/** MySQL databases this run made and has not dropped yet (dropped at the end even when a step fails). */
const undropped = new Map();

async function freshTarget(engine, home, label) {
  if (engine === 'sqlite') return {url: undefined, file: join(home, `${label}.sqlite`), drop: async () => {}};
  const name = `sp_bench_${label}_${process.pid}`;
  const connection = await admin();
  await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await connection.end();
  const url = new URL(mysqlServer.href);
  url.pathname = `/${name}`;
  const drop = async () => {
    undropped.delete(name);
    const c = await admin();
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.end();
  };
  undropped.set(name, drop);
  return {url: url.href, drop};
}

const serviceFor = (target) =>
  new DatabaseService(
    {
      target: parseDatabaseUrl(target.url, target.file),
      poolSize: 4,
      busyTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 600_000,
    },
    silentLogger,
  );

const tableSpec = (index) => ({
  name: `bench_${index}`,
  columns: [
    {name: 'id', type: 'integer', isPrimary: true},
    {name: 'label', type: 'varchar', length: '100'},
    {name: 'created_at', type: 'varchar', length: '32'},
  ],
});
const rawDdl = (engine, index) =>
  engine === 'sqlite'
    ? `CREATE TABLE "bench_${index}" ("id" integer PRIMARY KEY NOT NULL, "label" varchar(100) NOT NULL, "created_at" varchar(32) NOT NULL)`
    : `CREATE TABLE \`bench_${index}\` (\`id\` int NOT NULL, \`label\` varchar(100) NOT NULL, \`created_at\` varchar(32) NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`;

async function benchMigrate(engine, home) {
  const runs = {raw: [], runner: []};
  for (let round = 0; round < RUNS; round++) {
    for (const kind of ['raw', 'runner']) {
      const target = await freshTarget(engine, home, `${kind}${round}`);
      const service = serviceFor(target);
      const dataSource = await service.dataSource();
      const migrations = Array.from({length: MIGRATIONS}, (_, index) => ({
        module: 'bench',
        ...defineMigration({
          name: `20261128${String(index).padStart(6, '0')}-create-bench-${index}`,
          steps: [
            {
              up: (runner) => runner.createTable(new Table(tableSpec(index))),
              down: (runner) => runner.dropTable(`bench_${index}`),
            },
          ],
        }),
      }));
      runs[kind].push(
        await time(async () => {
          if (kind === 'raw')
            for (let index = 0; index < MIGRATIONS; index++) await dataSource.query(rawDdl(engine, index));
          else await (await service.runner()).migrate(migrations);
        }),
      );
      await service.close();
      await target.drop();
    }
  }
  return {raw: median(runs.raw), runner: median(runs.runner)};
}

async function benchQuery(engine, home) {
  const target = await freshTarget(engine, home, 'query');
  const service = serviceFor(target);
  const dataSource = await service.dataSource();
  await dataSource.query(rawDdl(engine, 'rows'));
  const batch = 1000;
  for (let start = 0; start < ROWS; start += batch) {
    const values = Array.from({length: batch}, (_, offset) => [
      start + offset,
      `row number ${start + offset}`,
      new Date(0).toISOString(),
    ]);
    await dataSource.query(
      `INSERT INTO bench_rows (id, label, created_at) VALUES ${values.map(() => '(?, ?, ?)').join(', ')}`,
      values.flat(),
    );
  }
  const sql = 'SELECT id, label, created_at FROM bench_rows';
  const raw = [];
  const command = [];
  for (let round = 0; round < RUNS; round++) {
    raw.push(
      await time(async () => {
        if (engine === 'sqlite') {
          const Database = requireFromDatabase('better-sqlite3');
          const db = new Database(target.file, {readonly: true});
          db.prepare(sql).all();
          db.close();
        } else {
          const connection = await mysql.createConnection(target.url);
          await connection.query(sql);
          await connection.end();
        }
      }),
    );
    command.push(
      await time(async () => {
        const result = await runQuery(service, {sql, params: [], write: false, timeoutMs: 600_000, limit: null});
        if (result.kind !== 'rows' || result.total !== ROWS) throw new Error(`expected ${ROWS} rows`);
      }),
    );
  }
  await service.close();
  return {raw: median(raw), command: median(command), target};
}

/** The CLI on this engine's database: database:query over the bench table, and the commands of issue 12's target. */
function benchCli(engine, target, home) {
  // The CLI keeps its SQLite file in the home's data directory: point it at the bench file. The local
  // operator is the administrator on both engines (auth.localTrust is off by default on MySQL).
  const env = {
    SYSTEMPROMPT_HOME: home,
    SYSTEMPROMPT_DATABASE_URL: target.url ?? `sqlite://${target.file}`,
    SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
  };
  const target40 = engine === 'sqlite' ? TARGETS.database : undefined;
  return measure(
    [
      {name: 'node -e 0', args: ['-e', '0']},
      {
        name: 'database:query COUNT(*) --json',
        args: [bin, 'database:query', 'SELECT COUNT(*) AS n FROM bench_rows', '--json'],
      },
      {
        name: `database:query ${ROWS / 1000}k rows --limit 0 --json`,
        args: [bin, 'database:query', 'SELECT id, label, created_at FROM bench_rows', '--limit', '0', '--json'],
      },
      {name: 'database:status --json', args: [bin, 'database:status', '--json'], target: target40},
      {name: 'users:list --json', args: [bin, 'users:list', '--json'], target: target40},
      {name: 'config:list --json', args: [bin, 'config:list', '--json'], target: target40},
    ],
    RUNS,
    {env},
  );
}

const engines = ['sqlite'];
try {
  const connection = await admin();
  await connection.end();
  engines.push('mysql');
} catch {
  say(`MySQL at ${mysqlServer.host} not reachable: SQLite only.`);
}

const home = mkdtempSync(join(tmpdir(), 'systemprompt-bench-db-'));
const line = (label, ms, baseMs) =>
  say(
    `  ${label.padEnd(52)}${ms.toFixed(1).padStart(9)} ms${baseMs === undefined ? '' : `${(ms / baseMs).toFixed(2).padStart(8)}x`}`,
  );
say(`runs: ${RUNS}; node ${process.version}; ${loadNote()}`);
try {
  for (const engine of engines) {
    say(`\n${engine}`);
    const migrate = await benchMigrate(engine, home);
    line(`baseline: ${MIGRATIONS} CREATE TABLE sent raw`, migrate.raw);
    line(`migrate an empty database (${MIGRATIONS} migrations)`, migrate.runner, migrate.raw);
    const query = await benchQuery(engine, home);
    line(`baseline: driver reads ${ROWS / 1000}k rows`, query.raw);
    line(`database:query service, ${ROWS / 1000}k rows`, query.command, query.raw);
    say(`\n${engine}: whole commands, ${RUNS} interleaved runs each (ratio to node -e 0)`);
    printTable(benchCli(engine, query.target, home));
    await query.target.drop();
  }
  say(`\n${loadNote()}`);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  for (const drop of [...undropped.values()]) await drop().catch(() => undefined);
  rmSync(home, {recursive: true, force: true});
}
