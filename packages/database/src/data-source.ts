import {chmodSync, closeSync, mkdirSync, openSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import type {DataSource, DataSourceOptions, EntitySchema} from 'typeorm';
import {connectionError, type DatabaseTarget, type MysqlTarget} from './connection.js';
import {reportLockConflicts} from './mysql-locking.js';
import {observeQueries, type QueryObserver} from './query-observer.js';
import {retryWhileBusy, takeWriteLockFirst} from './sqlite-locking.js';

export interface DataSourceSettings {
  target: DatabaseTarget;
  poolSize: number;
  busyTimeoutMs: number;
  connectTimeoutMs: number;
  /** Times every statement (and traces it when tracing is on). */
  observer?: QueryObserver;
}

/** A DataSource to which modules add their entities as they are booted (a command boots only some). */
export interface ModularDataSource extends DataSource {
  addEntities(entities: ReadonlyArray<EntitySchema<unknown>>): Promise<void>;
}

/**
 * better-sqlite3's compiled addon. Its JavaScript is bundled with TypeORM, where the `bindings`
 * package (its own way to find the addon, one require() after another) cannot look: the addon is
 * named directly, or found by `bindings` from better-sqlite3's own directory when it was built elsewhere.
 */
function sqliteAddon(): string | object {
  const packageJson = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  const requireSqlite = createRequire(packageJson);
  try {
    return requireSqlite.resolve('./build/Release/better_sqlite3.node');
  } catch {
    const bindings = requireSqlite('bindings') as (options: {bindings: string; module_root: string}) => object;
    return bindings({bindings: 'better_sqlite3.node', module_root: dirname(packageJson)});
  }
}

function options(settings: DataSourceSettings, betterSqlite3: unknown): DataSourceOptions {
  const {target} = settings;
  if (target.engine === 'sqlite') {
    return {
      type: 'better-sqlite3',
      database: target.file,
      driver: betterSqlite3,
      nativeBinding: sqliteAddon() as string,
      enableWAL: true,
      timeout: settings.busyTimeoutMs,
      // TypeORM turns foreign keys on; the busy timeout also covers writers in other processes.
      // synchronous=NORMAL is WAL's usual companion: a commit no longer waits for an fsync of the log
      // (the checkpoint does it), so an application or process crash loses nothing and a power cut
      // can lose at most the last commits, never corrupt the file (SQLite's documentation on WAL).
      prepareDatabase: (db: {pragma(sql: string): unknown}) => {
        db.pragma(`busy_timeout = ${Math.floor(settings.busyTimeoutMs)}`);
        db.pragma('synchronous = NORMAL');
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
  const {loadMysql} = await import('./vendor.js');
  const {createConnection} = loadMysql().promise;
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    connectTimeout,
    charset: 'utf8mb4',
  });
  try {
    // The name is checked against [A-Za-z0-9_$-] when the URL is parsed; identifiers cannot be bound.
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/**
 * The SQLite file holds password hashes and secrets: only its owner may read it, whatever the umask.
 * SQLite creates a new database file 0644 (it sets the mode itself) and gives its -wal and -shm
 * files the mode of the database file, so the file is made here first, 0600, and an existing one
 * (and its -wal/-shm) is narrowed. A missing directory is made 0700; an existing one named by a
 * sqlite:// URL is the operator's and is left as it is. Synchronous: six calls on a local file,
 * each cheaper than a trip through the thread pool, once per process.
 */
export function prepareSqliteFile(file: string): void {
  mkdirSync(dirname(file), {recursive: true, mode: 0o700});
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    const mode = statSync(path, {throwIfNoEntry: false})?.mode;
    if (mode !== undefined && (mode & 0o077) !== 0) chmodSync(path, mode & 0o700);
  }
}

/** Whether an entity schema can name other entities (whose metadata must then be built with it). */
const referencesOthers = (entity: EntitySchema<unknown>): boolean =>
  ['relations', 'relationIds', 'extends', 'inheritance', 'trees', 'embeddeds', 'discriminatorValue'].some((key) => {
    const value = (entity.options as unknown as Record<string, unknown>)[key];
    return value !== undefined && value !== null && (typeof value !== 'object' || Object.keys(value).length > 0);
  });

/** Opens the database (creating the SQLite file or the MySQL database when missing). TypeORM loads here. */
export async function openDataSource(settings: DataSourceSettings): Promise<ModularDataSource> {
  const {DataSource, BetterSqlite3, ConnectionMetadataBuilder, EntityMetadataValidator} = await import('./typeorm.js');
  class Modular extends DataSource implements ModularDataSource {
    async addEntities(entities: ReadonlyArray<EntitySchema<unknown>>): Promise<void> {
      const current = (this.options.entities ?? []) as Array<EntitySchema<unknown>>;
      const added = entities.filter((entity) => !current.includes(entity));
      if (added.length === 0) return;
      (this.options as {entities: unknown[]}).entities = [...current, ...added];
      if (!this.isInitialized) return;
      // Repositories look metadata up on each use, so it can grow in place. Entities that stand alone
      // are built on their own, once; one that may point at others (relations, inheritance...) is
      // built with all of them, as TypeORM itself does. (Rebuilding every entity for each module that
      // attached cost a command that boots four modules a few ms.)
      if (added.some(referencesOthers)) {
        await this.buildMetadatas();
        return;
      }
      const built = await new ConnectionMetadataBuilder(this).buildEntityMetadatas(added as EntitySchema[]);
      new EntityMetadataValidator().validateMany(built, this.driver);
      Object.assign(this, {
        entityMetadatas: [...this.entityMetadatas, ...built],
        entityMetadatasMap: new Map([
          ...this.entityMetadatasMap,
          ...built.map((metadata) => [metadata.target, metadata] as const),
        ]),
      });
    }
  }
  const open = async () => {
    const dataSource = new Modular(options(settings, BetterSqlite3));
    await dataSource.initialize();
    if (settings.target.engine === 'sqlite') takeWriteLockFirst(dataSource, settings.busyTimeoutMs);
    else reportLockConflicts(dataSource);
    if (settings.observer) observeQueries(dataSource, settings.observer, settings.target.engine);
    return dataSource;
  };
  try {
    if (settings.target.engine === 'sqlite') {
      prepareSqliteFile(settings.target.file);
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
