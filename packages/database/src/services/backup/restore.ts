import {randomBytes} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {copyFile, open, readdir, rename, rm, stat} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {createInterface} from 'node:readline';
import {unavailable} from '@systemprompt/core';
import type {MysqlTarget, SqliteTarget} from '../../connection.js';
import {quoteMysql} from '../../sql-identifiers.js';
import type {DatabaseService} from '../database-service.js';
import {
  endConnection,
  mysqlConnection,
  mysqlDigests,
  openSqliteFile,
  run,
  sqliteDigests,
  type MysqlTableSchema,
  type TableDigest,
} from './engines.js';
import {decodeValue} from '../row-values.js';
import {mysqlTableMember, MYSQL_SCHEMA_MEMBER, SAFE_TABLE, SQLITE_MEMBER, type BackupManifest} from './format.js';

export type Progress = (message: string) => void;

/** Rows per INSERT when reloading a MySQL table. */
const INSERT_BATCH = 500;

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sameTables(restored: readonly TableDigest[], manifest: BackupManifest): string | undefined {
  const expected = new Map(manifest.tables.map((table) => [table.name, table]));
  if (restored.length !== expected.size) return `${restored.length} tables instead of ${expected.size}`;
  for (const table of restored) {
    const want = expected.get(table.name);
    if (!want) return `table ${table.name} is not in the backup`;
    if (want.sha256 !== table.sha256 || want.rows !== table.rows) return `table ${table.name} differs from the backup`;
  }
  return undefined;
}

const restoreFailed = (why: string) =>
  unavailable(`The restored copy is not the backup (${why}); the live data was not changed`, {
    code: 'BACKUP_RESTORE_FAILED',
  });

/**
 * SQLite: the verified copy is written beside the live file (same file system), checked (integrity
 * and every table's digest against the manifest), synced, and renamed over the live file. The live
 * database is checkpointed first so that no -wal file of the old database is left for the new one;
 * until the rename the old file is untouched, so a crash at any point leaves one or the other.
 */
export async function restoreSqlite(
  service: DatabaseService,
  staging: string,
  manifest: BackupManifest,
  progress: Progress,
): Promise<void> {
  const target = (service.target as SqliteTarget).file;
  const temporary = join(
    dirname(target),
    `.${basename(target)}.restore-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  // Copies left by a restore that was killed.
  for (const name of await readdir(dirname(target)))
    if (name.startsWith(`.${basename(target)}.restore-`)) await rm(join(dirname(target), name), {force: true});
  let dataSource: Awaited<ReturnType<DatabaseService['dataSource']>> | undefined;
  try {
    progress('Writing the restored database beside the live one');
    await rename(join(staging, SQLITE_MEMBER), temporary).catch(() =>
      copyFile(join(staging, SQLITE_MEMBER), temporary),
    );
    const copy = await openSqliteFile(service, temporary);
    try {
      const integrity = copy.pragma('integrity_check', {simple: true});
      if (integrity !== 'ok') throw restoreFailed(`integrity check: ${String(integrity)}`);
      const difference = sameTables(sqliteDigests(copy), manifest);
      if (difference) throw restoreFailed(difference);
    } finally {
      copy.close();
    }
    await fsync(temporary);
    // The service's connection closes for the swap and opens again on the new file (the same
    // DataSource object, which every module holds); the handle here only checkpoints.
    const live = await openSqliteFile(service, target);
    dataSource = await service.dataSource();
    await dataSource.destroy();
    try {
      live.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      live.close();
    }
    const wal = await stat(`${target}-wal`).catch(() => undefined);
    if (wal && wal.size > 0)
      throw unavailable('Another process holds the database open; nothing was changed', {
        code: 'BACKUP_RESTORE_BUSY',
        hint: 'Stop the server and other commands of this installation, then restore again.',
      });
    await rm(`${target}-wal`, {force: true});
    await rm(`${target}-shm`, {force: true});
    progress('Replacing the live database');
    await rename(temporary, target);
    await fsync(dirname(target)).catch(() => undefined);
  } finally {
    await rm(temporary, {force: true});
    if (dataSource && !dataSource.isInitialized) await dataSource.initialize();
  }
}

/** A schema name derived from the live one, at most 64 characters. */
const sideSchema = (database: string, kind: 'rst' | 'old', suffix: string) =>
  `${database.slice(0, 40)}_${kind}_${suffix}`;

/**
 * MySQL/MariaDB: the backup is loaded into a new schema beside the live one and checked (every
 * table's digest against the manifest); then one RENAME TABLE statement (atomic) moves every live
 * table into a third schema and every restored table into the live one, and the old tables are
 * dropped. Until that statement the live schema is untouched, so a crash leaves it as it was.
 */
export async function restoreMysql(
  service: DatabaseService,
  staging: string,
  manifest: BackupManifest,
  progress: Progress,
): Promise<void> {
  const target = service.target as MysqlTarget;
  const {readFile} = await import('node:fs/promises');
  const schema = JSON.parse(await readFile(join(staging, MYSQL_SCHEMA_MEMBER), 'utf8')) as MysqlTableSchema[];
  const suffix = randomBytes(4).toString('hex');
  const loading = sideSchema(target.database, 'rst', suffix);
  const old = sideSchema(target.database, 'old', suffix);
  const connection = await mysqlConnection(target, null);
  try {
    // Schemas left by a restore that was killed (loading ones, or old tables not yet dropped).
    const stale = await run<Array<{name: string}>>(
      connection,
      'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ? OR schema_name LIKE ?',
      [`${target.database.slice(0, 40)}\\_rst\\_%`, `${target.database.slice(0, 40)}\\_old\\_%`],
    );
    for (const {name} of stale) await run(connection, `DROP DATABASE IF EXISTS ${quoteMysql(name)}`);
    await run(connection, `CREATE DATABASE ${quoteMysql(loading)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await run(connection, `USE ${quoteMysql(loading)}`);
    await run(connection, 'SET SESSION foreign_key_checks = 0');
    await run(connection, 'SET SESSION unique_checks = 0');
    await run(connection, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')");
    for (const table of schema) {
      if (!SAFE_TABLE.test(table.name)) throw restoreFailed(`table name ${JSON.stringify(table.name)}`);
      progress(`Loading ${table.name}`);
      // The DDL is the engine's own SHOW CREATE TABLE of the backup, checked by its checksum.
      await run(connection, table.ddl);
      const insert = `INSERT INTO ${quoteMysql(table.name)} (${table.columns.map(quoteMysql).join(', ')}) VALUES ?`;
      let batch: unknown[][] = [];
      const lines = createInterface({input: createReadStream(join(staging, mysqlTableMember(table.name)))});
      for await (const line of lines) {
        if (line === '') continue;
        batch.push((JSON.parse(line) as unknown[]).map(decodeValue));
        if (batch.length >= INSERT_BATCH) {
          await run(connection, insert, [batch]);
          batch = [];
        }
      }
      if (batch.length > 0) await run(connection, insert, [batch]);
    }
    const difference = sameTables(await mysqlDigests(connection), manifest);
    if (difference) throw restoreFailed(difference);
    const live = await run<Array<{name: string}>>(
      connection,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [target.database],
    );
    await run(connection, `CREATE DATABASE ${quoteMysql(old)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const moves = [
      ...live.map(
        ({name}) => `${quoteMysql(target.database)}.${quoteMysql(name)} TO ${quoteMysql(old)}.${quoteMysql(name)}`,
      ),
      ...schema.map(
        ({name}) => `${quoteMysql(loading)}.${quoteMysql(name)} TO ${quoteMysql(target.database)}.${quoteMysql(name)}`,
      ),
    ];
    progress('Swapping the restored tables in');
    if (moves.length > 0) await run(connection, `RENAME TABLE ${moves.join(', ')}`);
    await run(connection, `DROP DATABASE IF EXISTS ${quoteMysql(old)}`);
  } finally {
    await run(connection, `DROP DATABASE IF EXISTS ${quoteMysql(loading)}`).catch(() => undefined);
    await endConnection(connection);
  }
}
