#!/usr/bin/env node
// Database benchmarks, each as a ratio to a baseline measured in the same process:
//  1. migrating an empty database (20 migrations through the runner) vs the same DDL sent raw;
//  2. database:query over a 100k-row table (all rows) vs the driver's own query;
//  3. the whole `systemprompt database:query` command vs `node -e 0`.
// SQLite always; MySQL/MariaDB at SYSTEMPROMPT_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test).
// Usage: node bench/database/run.mjs   (build first: pnpm run build)
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const pkg = join(here, '../../packages/database');
const requireFromDatabase = createRequire(join(pkg, 'package.json'));
const {DatabaseService, parseDatabaseUrl} = await import(join(pkg, 'dist/index.js'));
const {runQuery} = await import(join(pkg, 'dist/services/query.js'));
const {Table, defineMigration} = await import(join(pkg, 'dist/schema.js'));
const {silentLogger} = await import(join(pkg, 'node_modules/@systemprompt/core/dist/bundle/index.js'));
const mysql = requireFromDatabase('mysql2/promise');
const bin = join(here, '../../apps/systemprompt/bin/run.js');

const ROWS = 100_000;
const MIGRATIONS = 20;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const time = async (work) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

const mysqlServer = new URL(process.env.SYSTEMPROMPT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const admin = () => mysql.createConnection({host: mysqlServer.hostname, port: Number(mysqlServer.port || 3306), user: decodeURIComponent(mysqlServer.username || 'root'), password: decodeURIComponent(mysqlServer.password)});

async function freshTarget(engine, home, label) {
  if (engine === 'sqlite') return {url: undefined, file: join(home, `${label}.sqlite`), drop: async () => {}};
  const name = `sp_bench_${label}_${process.pid}`;
  const connection = await admin();
  await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await connection.end();
  const url = new URL(mysqlServer.href);
  url.pathname = `/${name}`;
  return {url: url.href, drop: async () => {
    const c = await admin();
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.end();
  }};
}

const serviceFor = (target) => new DatabaseService({target: parseDatabaseUrl(target.url, target.file), poolSize: 4, busyTimeoutMs: 5000, connectTimeoutMs: 5000, queryTimeoutMs: 600_000}, silentLogger);

const tableSpec = (index) => ({name: `bench_${index}`, columns: [{name: 'id', type: 'integer', isPrimary: true}, {name: 'label', type: 'varchar', length: '100'}, {name: 'created_at', type: 'varchar', length: '32'}]});
const rawDdl = (engine, index) => engine === 'sqlite'
  ? `CREATE TABLE "bench_${index}" ("id" integer PRIMARY KEY NOT NULL, "label" varchar(100) NOT NULL, "created_at" varchar(32) NOT NULL)`
  : `CREATE TABLE \`bench_${index}\` (\`id\` int NOT NULL, \`label\` varchar(100) NOT NULL, \`created_at\` varchar(32) NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`;

async function benchMigrate(engine, home) {
  const runs = {raw: [], runner: []};
  for (let round = 0; round < 5; round++) {
    for (const kind of ['raw', 'runner']) {
      const target = await freshTarget(engine, home, `${kind}${round}`);
      const service = serviceFor(target);
      const dataSource = await service.dataSource();
      const migrations = Array.from({length: MIGRATIONS}, (_, index) => ({module: 'bench', ...defineMigration({
        name: `20261128${String(index).padStart(6, '0')}-create-bench-${index}`,
        steps: [{up: (runner) => runner.createTable(new Table(tableSpec(index))), down: (runner) => runner.dropTable(`bench_${index}`)}],
      })}));
      runs[kind].push(await time(async () => {
        if (kind === 'raw') for (let index = 0; index < MIGRATIONS; index++) await dataSource.query(rawDdl(engine, index));
        else await (await service.runner()).migrate(migrations);
      }));
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
    const values = Array.from({length: batch}, (_, offset) => [start + offset, `row number ${start + offset}`, new Date(0).toISOString()]);
    await dataSource.query(`INSERT INTO bench_rows (id, label, created_at) VALUES ${values.map(() => '(?, ?, ?)').join(', ')}`, values.flat());
  }
  const sql = 'SELECT id, label, created_at FROM bench_rows';
  const raw = [];
  const command = [];
  for (let round = 0; round < 5; round++) {
    raw.push(await time(async () => {
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
    }));
    command.push(await time(async () => {
      const result = await runQuery(service, {sql, params: [], write: false, timeoutMs: 600_000, limit: null});
      if (result.kind !== 'rows' || result.total !== ROWS) throw new Error(`expected ${ROWS} rows`);
    }));
  }
  await service.close();
  return {raw: median(raw), command: median(command), target};
}

function benchCli(target, home) {
  const env = {...process.env, SYSTEMPROMPT_HOME: home, ...(target.url ? {SYSTEMPROMPT_DATABASE_URL: target.url} : {SYSTEMPROMPT_DATABASE_FILE: undefined})};
  if (target.file) {
    // The CLI keeps its SQLite file in the home's data directory: point it at the bench file.
    env.SYSTEMPROMPT_DATABASE_URL = `sqlite://${target.file}`;
  }
  const once = (args) => {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30});
    if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const base = [];
  const all = [];
  const count = [];
  for (let round = 0; round < 5; round++) {
    base.push(once(['-e', '0']));
    count.push(once([bin, 'database:query', 'SELECT COUNT(*) AS n FROM bench_rows', '--json']));
    all.push(once([bin, 'database:query', 'SELECT id, label, created_at FROM bench_rows', '--limit', '0', '--json']));
  }
  return {base: median(base), count: median(count), all: median(all)};
}

const engines = ['sqlite'];
try {
  const connection = await admin();
  await connection.end();
  engines.push('mysql');
} catch {
  console.log(`MySQL at ${mysqlServer.host} not reachable: SQLite only.`);
}

const home = mkdtempSync(join(tmpdir(), 'systemprompt-bench-db-'));
const line = (label, ms, baseMs) => console.log(`  ${label.padEnd(52)}${ms.toFixed(1).padStart(9)} ms${baseMs === undefined ? '' : `${(ms / baseMs).toFixed(2).padStart(8)}x`}`);
try {
  for (const engine of engines) {
    console.log(`\n${engine}`);
    const migrate = await benchMigrate(engine, home);
    line(`baseline: ${MIGRATIONS} CREATE TABLE sent raw`, migrate.raw);
    line(`migrate an empty database (${MIGRATIONS} migrations)`, migrate.runner, migrate.raw);
    const query = await benchQuery(engine, home);
    line(`baseline: driver reads ${ROWS / 1000}k rows`, query.raw);
    line(`database:query service, ${ROWS / 1000}k rows`, query.command, query.raw);
    const cli = benchCli(query.target, home);
    line('baseline: node -e 0', cli.base);
    line('systemprompt database:query COUNT(*) --json', cli.count, cli.base);
    line(`systemprompt database:query ${ROWS / 1000}k rows --limit 0 --json`, cli.all, cli.base);
    await query.target.drop();
  }
} finally {
  rmSync(home, {recursive: true, force: true});
}
