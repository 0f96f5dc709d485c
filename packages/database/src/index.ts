import {join} from 'node:path';
import {
  BaseModule,
  ensurePrivateDirectory,
  packageVersionOf,
  type HealthStatus,
  type ModuleContext,
} from '@systemprompt/core';
import {parseDatabaseUrl} from './connection.js';
import {createQueryObserver} from './query-observer.js';
import type {DatabaseConfig} from './generated/config.js';
import {DatabaseService} from './services/database-service.js';
import {DatabaseEventStore} from './services/event-store.js';
import {addDatabaseTools} from './tools.js';

export {
  DATABASE_PERMISSIONS,
  DatabaseService,
  migrationSourceOf,
  type ModuleDatabase,
  type TransactionOptions,
} from './services/database-service.js';
export {DatabaseEventStore, EVENTS_TABLE, MAX_EVENT_PAYLOAD_BYTES} from './services/event-store.js';
export {pruneRows, type PruneSpec} from './services/prune-rows.js';
export type {QueryRequest, QueryResult} from './services/query.js';
export type {DatabaseStatus} from './services/status.js';
export type {ColumnInfo} from './services/schema.js';
export {changedRows, driverErrorCode, isUniqueViolation, retryingDeadlocks} from './sql-errors.js';
export {parseDatabaseUrl, describeTarget, redact, type DatabaseTarget, type Engine} from './connection.js';
export {MIGRATIONS_TABLE, MigrationRunner, type AppliedMigration, type MigrationOutcome} from './migrations/runner.js';
export {loadMigrations, migrationFileNames, type MigrationSource, type ModuleMigration} from './migrations/loader.js';
export type {Migration, MigrationStep} from './migrations/migration.js';
export type {DatabaseConfig} from './generated/config.js';
export {
  queryList,
  WHOLE_LIST,
  type ListBuilder,
  type ListField,
  type ListFieldKind,
  type ListPlan,
  type ListRow,
} from './list-query.js';

/**
 * The database module. Its service opens the one DataSource of the process on first use: the
 * embedded SQLite file in its data directory, or MySQL/MariaDB when `url` (SYSTEMPROMPT_DATABASE_URL)
 * says so. Modules that declare `dependencies: [database]` attach with `forModule`. It also keeps the
 * event store (the `events` capability), whose table it creates when the DataSource opens.
 */
export class DatabaseModule extends BaseModule<DatabaseConfig> {
  readonly name = 'database';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private service: DatabaseService | undefined;

  override async initialize(context: ModuleContext<DatabaseConfig>): Promise<void> {
    await super.initialize(context);
    const config = context.config;
    const target = parseDatabaseUrl(config.url, join(context.paths.data, config.file));
    // The embedded database holds password hashes and secrets: its directory is the owner's alone.
    if (target.engine === 'sqlite') await ensurePrivateDirectory(context.paths.data);
    this.service = new DatabaseService(
      {
        target,
        poolSize: config.poolSize,
        busyTimeoutMs: config.busyTimeoutMs,
        connectTimeoutMs: config.connectTimeoutMs,
        queryTimeoutMs: config.queryTimeoutMs,
        observer: createQueryObserver(context.metrics, target.engine),
      },
      context.logger,
      () => context.access(),
      context.systemPaths.data,
    );
    context.provide(this.service);
    const service = this.service;
    context.metrics.gauge({
      name: 'pool_connections',
      help: 'Database connections by state: busy, idle, and callers waiting for one (SQLite: its one connection).',
      labelNames: ['state'],
      collect: (gauge) => {
        const stats = service.poolStats();
        if (!stats) return;
        for (const [state, value] of Object.entries(stats)) gauge.set({state}, value);
      },
    });
    addDatabaseTools(context.tools, this.service, () => context.modules());
    context.provideCapability('events', new DatabaseEventStore(this.service));
  }

  override async stop(): Promise<void> {
    await this.service?.close();
  }

  override async healthCheck(): Promise<HealthStatus> {
    if (!this.service) return {healthy: false, message: 'not initialized'};
    try {
      const dataSource = await this.service.dataSource();
      const started = performance.now();
      await dataSource.query('SELECT 1');
      return {
        healthy: true,
        message: `${this.service.engine} at ${this.service.location}, ${(performance.now() - started).toFixed(1)} ms`,
      };
    } catch (error) {
      return {healthy: false, message: error instanceof Error ? error.message : String(error)};
    }
  }
}

export default (): DatabaseModule => new DatabaseModule();
export {DATABASE} from './token.js';
