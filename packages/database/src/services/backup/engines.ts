import {createHash} from 'node:crypto';
import {createWriteStream} from 'node:fs';
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Connection} from 'mysql2';
import type {MysqlTarget} from '../../connection.js';
import {quoteMysql, quoteSqlite} from '../../sql-identifiers.js';
import type {DatabaseService} from '../database-service.js';
import {encodeRow, mysqlTableMember, MYSQL_SCHEMA_MEMBER, SAFE_TABLE, SQLITE_MEMBER} from './format.js';

/** better-sqlite3's database object, as far as backups use it. */
export interface SqliteHandle {
  backup(
    file: string,
    options?: {progress?: (info: {totalPages: number; remainingPages: number}) => number},
  ): Promise<unknown>;
  prepare(sql: string): {
    raw(on?: boolean): {iterate(...params: unknown[]): IterableIterator<unknown[]>};
    all(...params: unknown[]): unknown[];
  };
  pragma(sql: string, options?: {simple?: boolean}): unknown;
  exec(sql: string): unknown;
  close(): void;
}

export interface TableDigest {
  name: string;
  rows: number;
  sha256: string;
}

/** The live connection of the service's SQLite database (its one connection in this process). */
export async function liveSqlite(service: DatabaseService): Promise<SqliteHandle> {
  const dataSource = await service.dataSource();
  return (dataSource.driver as unknown as {databaseConnection: SqliteHandle}).databaseConnection;
}

/** Opens another SQLite file with the same better-sqlite3 (and compiled addon) as the service. */
export async function openSqliteFile(service: DatabaseService, file: string, readonly = false): Promise<SqliteHandle> {
  const dataSource = await service.dataSource();
  const live = (
    dataSource.driver as unknown as {databaseConnection: {constructor: new (...args: unknown[]) => SqliteHandle}}
  ).databaseConnection;
  const nativeBinding = (dataSource.options as {nativeBinding?: unknown}).nativeBinding;
  return new live.constructor(file, {readonly, fileMustExist: true, nativeBinding});
}

/** Every table's row count and SHA-256 of its rows in key order (SQLite). */
export function sqliteDigests(db: SqliteHandle): TableDigest[] {
  const tables = (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{
      name: string;
    }>
  ).map((row) => row.name);
  return tables.map((name) => {
    const columns = db.prepare(`PRAGMA table_info(${quoteSqlite(name)})`).all() as Array<{name: string; pk: number}>;
    const key = columns
      .filter((column) => column.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((column) => quoteSqlite(column.name));
    const order = key.length > 0 ? key.join(', ') : columns.map((column) => quoteSqlite(column.name)).join(', ');
    const hash = createHash('sha256');
    let rows = 0;
    for (const row of db
      .prepare(`SELECT * FROM ${quoteSqlite(name)} ORDER BY ${order}`)
      .raw(true)
      .iterate()) {
      hash.update(encodeRow(row) + '\n');
      rows++;
    }
    return {name, rows, sha256: hash.digest('hex')};
  });
}

/**
 * A consistent copy of the live SQLite database through SQLite's online backup API, into `directory`.
 * The copy goes in one step (a read transaction), so it is one committed state whatever other
 * processes write meanwhile; its digests are read from the copy.
 */
export async function snapshotSqlite(service: DatabaseService, directory: string): Promise<TableDigest[]> {
  const live = await liveSqlite(service);
  const file = join(directory, SQLITE_MEMBER);
  await mkdir(join(directory, 'database'), {recursive: true, mode: 0o700});
  await live.backup(file, {progress: () => 2 ** 30});
  const copy = await openSqliteFile(service, file);
  try {
    // The copy stands alone: no -wal file beside it in the archive.
    copy.pragma('journal_mode = DELETE');
    return sqliteDigests(copy);
  } finally {
    copy.close();
  }
}

// ---- MySQL / MariaDB ------------------------------------------------------------------------

export interface MysqlTableSchema {
  name: string;
  ddl: string;
  columns: string[];
  key: string[];
}

/** A connection of its own (mysql2's callback API, streaming), values as text so nothing is rounded. */
export async function mysqlConnection(
  target: MysqlTarget,
  database: string | null = target.database,
): Promise<Connection> {
  const {loadMysql} = await import('../../vendor.js');
  const connection = loadMysql().callback.createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    ...(database ? {database} : {}),
    charset: 'utf8mb4',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
  });
  await run(connection, "SET time_zone = '+00:00'");
  return connection;
}

export function run<T = unknown>(connection: Connection, sql: string, params: unknown[] = []): Promise<T> {
  return new Promise((resolve, reject) =>
    connection.query(sql, params, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

export const endConnection = (connection: Connection): Promise<void> =>
  new Promise((resolve) => connection.end(() => resolve()));

/** The tables of the connection's database, with their DDL, columns and key. */
export async function mysqlSchema(connection: Connection): Promise<MysqlTableSchema[]> {
  const tables = await run<Array<{name: string}>>(
    connection,
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const schema: MysqlTableSchema[] = [];
  for (const {name} of tables) {
    const columns = await run<Array<{name: string; key: string}>>(
      connection,
      'SELECT column_name AS name, column_key AS `key` FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
      [name],
    );
    const key = await run<Array<{name: string}>>(
      connection,
      "SELECT column_name AS name FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND table_name = ? AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
      [name],
    );
    const [create] = await run<Array<Record<string, string>>>(connection, `SHOW CREATE TABLE ${quoteMysql(name)}`);
    schema.push({
      name,
      ddl: create?.['Create Table'] ?? '',
      columns: columns.map((column) => column.name),
      key: key.map((column) => column.name),
    });
  }
  return schema;
}

/** Streams a table's rows in key order; `onRow` gets each row's line. */
async function eachMysqlRow(
  connection: Connection,
  table: MysqlTableSchema,
  onRow: (line: string) => void | Promise<void>,
) {
  const order = (table.key.length > 0 ? table.key : table.columns).map(quoteMysql).join(', ');
  const columns = table.columns.map(quoteMysql).join(', ');
  const stream = connection
    .query({sql: `SELECT ${columns} FROM ${quoteMysql(table.name)} ORDER BY ${order}`, rowsAsArray: true})
    .stream({highWaterMark: 500});
  for await (const row of stream) await onRow(encodeRow(row as unknown[]));
}

/** Every table's row count and SHA-256 of its rows in key order (MySQL), on the connection's database. */
export async function mysqlDigests(connection: Connection, schema?: MysqlTableSchema[]): Promise<TableDigest[]> {
  const digests: TableDigest[] = [];
  for (const table of schema ?? (await mysqlSchema(connection))) {
    const hash = createHash('sha256');
    let rows = 0;
    await eachMysqlRow(connection, table, (line) => {
      hash.update(line + '\n');
      rows++;
    });
    digests.push({name: table.name, rows, sha256: hash.digest('hex')});
  }
  return digests;
}

/**
 * A consistent copy of every table in one read-only transaction WITH CONSISTENT SNAPSHOT (InnoDB's
 * repeatable read): the schema as DDL and each table's rows, in key order, as NDJSON.
 */
export async function snapshotMysql(service: DatabaseService, directory: string): Promise<TableDigest[]> {
  const connection = await mysqlConnection(service.target as MysqlTarget);
  try {
    await run(connection, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await run(connection, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const schema = await mysqlSchema(connection);
    await mkdir(join(directory, 'database', 'tables'), {recursive: true, mode: 0o700});
    await writeFile(join(directory, MYSQL_SCHEMA_MEMBER), JSON.stringify(schema, null, 2), {mode: 0o600});
    const digests: TableDigest[] = [];
    for (const table of schema) {
      if (!SAFE_TABLE.test(table.name)) throw new Error(`Table name ${JSON.stringify(table.name)} cannot be backed up`);
      const out = createWriteStream(join(directory, mysqlTableMember(table.name)), {mode: 0o600});
      const hash = createHash('sha256');
      let rows = 0;
      await eachMysqlRow(connection, table, async (line) => {
        hash.update(line + '\n');
        rows++;
        if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      });
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      digests.push({name: table.name, rows, sha256: hash.digest('hex')});
    }
    await run(connection, 'COMMIT');
    return digests;
  } finally {
    await endConnection(connection);
  }
}
