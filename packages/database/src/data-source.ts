import type {DataSource, DataSourceOptions, EntitySchema} from 'typeorm';
import {connectionError, type DatabaseTarget, type MysqlTarget} from './connection.js';
import {reportLockConflicts} from './mysql-locking.js';
import {retryWhileBusy, takeWriteLockFirst} from './sqlite-locking.js';

export interface DataSourceSettings {
  target: DatabaseTarget;
  poolSize: number;
  busyTimeoutMs: number;
  connectTimeoutMs: number;
}

/** A DataSource to which modules add their entities as they are booted (a command boots only some). */
export interface ModularDataSource extends DataSource {
  addEntities(entities: ReadonlyArray<EntitySchema<unknown>>): Promise<void>;
}

function options(settings: DataSourceSettings): DataSourceOptions {
  const {target} = settings;
  if (target.engine === 'sqlite') {
    return {
      type: 'better-sqlite3',
      database: target.file,
      enableWAL: true,
      timeout: settings.busyTimeoutMs,
      // TypeORM turns foreign keys on; the busy timeout also covers writers in other processes.
      prepareDatabase: (db: {pragma(sql: string): unknown}) => {
        db.pragma(`busy_timeout = ${Math.floor(settings.busyTimeoutMs)}`);
      },
      entities: [],
      logging: false,
    };
  }
  return {
    type: 'mysql',
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    charset: 'utf8mb4',
    timezone: 'Z',
    poolSize: settings.poolSize,
    connectTimeout: settings.connectTimeoutMs,
    entities: [],
    logging: false,
  };
}

/** MySQL has no "create on first use": make the database when the server says it does not exist. */
async function createMysqlDatabase(target: MysqlTarget, connectTimeout: number): Promise<void> {
  const {createConnection} = await import('mysql2/promise');
  const connection = await createConnection({host: target.host, port: target.port, user: target.user, password: target.password, connectTimeout, charset: 'utf8mb4'});
  try {
    // The name is checked against [A-Za-z0-9_$-] when the URL is parsed; identifiers cannot be bound.
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

/**
 * The SQLite file holds password hashes and secrets: only its owner may read it, whatever the umask.
 * SQLite creates a new database file 0644 (it sets the mode itself) and gives its -wal and -shm
 * files the mode of the database file, so the file is made here first, 0600, and an existing one
 * (and its -wal/-shm) is narrowed. A missing directory is made 0700; an existing one named by a
 * sqlite:// URL is the operator's and is left as it is.
 */
export async function prepareSqliteFile(file: string): Promise<void> {
  const {chmod, mkdir, open, stat} = await import('node:fs/promises');
  const {dirname} = await import('node:path');
  await mkdir(dirname(file), {recursive: true, mode: 0o700});
  await (await open(file, 'a', 0o600)).close();
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    const mode = (await stat(path).catch(() => undefined))?.mode;
    if (mode !== undefined && (mode & 0o077) !== 0) await chmod(path, mode & 0o700);
  }
}

/** Opens the database (creating the SQLite file or the MySQL database when missing). TypeORM loads here. */
export async function openDataSource(settings: DataSourceSettings): Promise<ModularDataSource> {
  const {DataSource} = await import('typeorm');
  class Modular extends DataSource implements ModularDataSource {
    async addEntities(entities: ReadonlyArray<EntitySchema<unknown>>): Promise<void> {
      const current = (this.options.entities ?? []) as Array<EntitySchema<unknown>>;
      const added = entities.filter((entity) => !current.includes(entity));
      if (added.length === 0) return;
      (this.options as {entities: unknown[]}).entities = [...current, ...added];
      // Metadata is rebuilt in place; repositories look it up on each use.
      if (this.isInitialized) await this.buildMetadatas();
    }
  }
  const open = async () => {
    const dataSource = new Modular(options(settings));
    await dataSource.initialize();
    if (settings.target.engine === 'sqlite') takeWriteLockFirst(dataSource, settings.busyTimeoutMs);
    else reportLockConflicts(dataSource);
    return dataSource;
  };
  try {
    if (settings.target.engine === 'sqlite') {
      await prepareSqliteFile(settings.target.file);
      // Processes opening a new file together race to switch it to WAL, a busy case SQLite does not wait in.
      return await retryWhileBusy(open, settings.busyTimeoutMs);
    }
    return await open();
  } catch (error) {
    if (settings.target.engine === 'mysql' && (error as {code?: string}).code === 'ER_BAD_DB_ERROR') {
      try {
        await createMysqlDatabase(settings.target, settings.connectTimeoutMs);
        return await open();
      } catch (second) {
        throw connectionError(second, settings.target);
      }
    }
    throw connectionError(error, settings.target);
  }
}
