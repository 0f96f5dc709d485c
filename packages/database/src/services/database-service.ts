import {join} from 'node:path';
import type {Logger, ModuleContext} from '@systemprompt/core';
import type {DataSource, EntityManager, EntitySchema, ObjectLiteral, Repository} from 'typeorm';
import {describeTarget, type DatabaseTarget, type Engine} from '../connection.js';
import {openDataSource, type DataSourceSettings, type ModularDataSource} from '../data-source.js';
import {loadMigrations, type MigrationSource, type ModuleMigration} from '../migrations/loader.js';
import {MigrationRunner} from '../migrations/runner.js';

/** What a module gets to work with its own tables. */
export interface ModuleDatabase {
  readonly engine: Engine;
  readonly dataSource: DataSource;
  readonly manager: EntityManager;
  repository<T extends ObjectLiteral>(entity: EntitySchema<T>): Repository<T>;
  /** Runs one use case in one transaction; the manager passed in is bound to it. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** The migration directory a module declares in module.yaml, resolved against its package root. */
export const migrationSourceOf = (module: {name: string; root: string; manifest?: {migrations?: string} | undefined}): MigrationSource => ({
  module: module.name,
  directory: module.manifest?.migrations ? join(module.root, module.manifest.migrations) : undefined,
});

/**
 * The database module's service: one DataSource per process, opened on first use, to which each
 * module adds its entities; a module's pending migrations run, silently, when it attaches.
 */
export class DatabaseService {
  private opening: Promise<ModularDataSource> | undefined;
  private runnerInstance: MigrationRunner | undefined;

  constructor(
    private readonly settings: DataSourceSettings & {queryTimeoutMs: number},
    private readonly logger: Logger,
  ) {}

  get engine(): Engine {
    return this.settings.target.engine;
  }

  get target(): DatabaseTarget {
    return this.settings.target;
  }

  /** Host and database, or the SQLite file; never the password. */
  get location(): string {
    return describeTarget(this.settings.target);
  }

  get queryTimeoutMs(): number {
    return this.settings.queryTimeoutMs;
  }

  /** The DataSource, opened (and the database and its migrations table created) on first use. */
  dataSource(): Promise<ModularDataSource> {
    this.opening ??= (async () => {
      const dataSource = await openDataSource(this.settings);
      this.runnerInstance = new MigrationRunner(dataSource, this.engine, this.logger);
      await this.runnerInstance.ensureTable();
      return dataSource;
    })().catch((error: unknown) => {
      this.opening = undefined;
      this.runnerInstance = undefined;
      throw error;
    });
    return this.opening;
  }

  async runner(): Promise<MigrationRunner> {
    await this.dataSource();
    return this.runnerInstance!;
  }

  /**
   * Attaches a module: registers its entities and applies its pending migrations. Call it from the
   * module's initialize; modules it depends on have attached before it, so their tables exist.
   */
  async forModule(context: Pick<ModuleContext, 'name' | 'root' | 'manifest'>, entities: ReadonlyArray<EntitySchema<ObjectLiteral>> = []): Promise<ModuleDatabase> {
    const dataSource = await this.dataSource();
    await dataSource.addEntities(entities);
    const migrations = await loadMigrations(migrationSourceOf(context));
    if (migrations.length > 0) await (await this.runner()).migrate(migrations);
    return {
      engine: this.engine,
      dataSource,
      get manager() {
        return dataSource.manager;
      },
      repository: (entity) => dataSource.getRepository(entity),
      transaction: (work) => dataSource.transaction(work),
    };
  }

  /** Every migration of the given modules, in the order given (dependencies first), then by name. */
  async migrationsOf(sources: readonly MigrationSource[]): Promise<ModuleMigration[]> {
    const all: ModuleMigration[] = [];
    for (const source of sources) all.push(...(await loadMigrations(source)));
    return all;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    this.runnerInstance = undefined;
    if (!opening) return;
    const dataSource = await opening.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}
