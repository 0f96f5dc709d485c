import {AsyncLocalStorage} from 'node:async_hooks';
import {
  LOCAL_ONLY_ACCESS,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type Logger,
  type ModuleContext,
} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import type {DataSource, EntityManager, EntitySchema, ObjectLiteral, Repository} from 'typeorm';
import {describeTarget, type DatabaseTarget, type Engine} from '../connection.js';
import {openDataSource, type DataSourceSettings, type ModularDataSource} from '../data-source.js';
import {loadMigrations, migrationFileNames, type MigrationSource, type ModuleMigration} from '../migrations/loader.js';
import {MigrationRunner, type MigrationOutcome} from '../migrations/runner.js';
import {checkQuery, executeQuery, type QueryRequest, type QueryResult} from './query.js';
import {describeSchema, schemaDdl, type ColumnInfo} from './schema.js';
import {dependencyRelation, migrationSourceOf, migrationSources} from './sources.js';
import {databaseStatus, type DatabaseStatus} from './status.js';

export {migrationSourceOf};

/** What a module gets to work with its own tables. */
export interface ModuleDatabase {
  readonly engine: Engine;
  readonly dataSource: DataSource;
  readonly manager: EntityManager;
  repository<T extends ObjectLiteral>(entity: EntitySchema<T>): Repository<T>;
  /** Runs one use case in one transaction; the manager passed in is bound to it. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** The manager of the transaction this code runs inside (the same async context), if any. */
  currentTransaction(): EntityManager | undefined;
}

export interface TransactionOptions {
  /**
   * The work only runs queries through the manager it is given: it starts no other transaction and
   * calls no service. Such a transaction needs no async context to find it (see runTransaction), so
   * a process that commits many of them (the group-committed audit log) does not pay for one.
   */
  leaf?: boolean;
}

/** The permissions of the database module (module.yaml). */
export const DATABASE_PERMISSIONS = {read: 'database:read', query: 'database:query', write: 'database:write'} as const;

/** One open transaction of this process, with what is to run when it commits. */
interface TransactionFrame {
  manager: EntityManager | undefined;
  callbacks: Array<() => unknown>;
  /** The transaction it was started in (the same async context), if any. */
  parent: TransactionFrame | undefined;
}

/**
 * The database module's own migrations (module.yaml `migrations: dist/own-migrations`, which
 * database:status and database:rollback read), applied when the DataSource opens so that their
 * tables exist before any module's first transaction.
 */
export async function ownMigrations(): Promise<ModuleMigration[]> {
  const {default: createEvents} = await import('../own-migrations/20261210000000-create-events.js');
  return [{module: 'database', ...createEvents}];
}

/** Longest statement text kept in an audit record. */
const AUDITED_STATEMENT_LENGTH = 1000;

/**
 * The database module's service: one DataSource per process, opened on first use, to which each
 * module adds its entities; a module's pending migrations run, silently, when it attaches.
 *
 * What people do to the database (status, schema, query, migrate, rollback) goes through the methods
 * that take an actor: each checks the actor's permission first, through the module that provides
 * access (the users module, booted on demand since it sits above this one), and audits changes.
 */
export class DatabaseService {
  private opening: Promise<ModularDataSource> | undefined;
  private opened: ModularDataSource | undefined;
  private runnerInstance: MigrationRunner | undefined;
  private readonly currentTransaction = new AsyncLocalStorage<TransactionFrame>();
  /** Transactions of this process not yet settled (see runTransaction: the context tracking is off at 0). */
  private unsettledTransactions = 0;
  /** The open transactions of each manager, innermost last. */
  private readonly openTransactions = new Map<EntityManager, TransactionFrame[]>();
  private transactionTail: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: DataSourceSettings & {queryTimeoutMs: number},
    private readonly logger: Logger,
    private readonly access: () => Promise<AccessProvider> = async () => LOCAL_ONLY_ACCESS,
    /** Where module-failures.json is kept (modules:list shows a module whose migration failed); none: not recorded. */
    private readonly dataDirectory?: string,
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

  get busyTimeoutMs(): number {
    return this.settings.busyTimeoutMs;
  }

  /** Engine, version, location, size, tables per module, migrations and latency (database:read). */
  async status(actor: Actor, modules: readonly ModuleRecord[]): Promise<DatabaseStatus> {
    await this.authorize(actor, DATABASE_PERMISSIONS.read, 'database.status');
    return databaseStatus(this, migrationSources(modules));
  }

  /** The columns of every table, or of one module's (database:read). */
  async schema(actor: Actor, modules: readonly ModuleRecord[], options: {module?: string} = {}): Promise<ColumnInfo[]> {
    await this.authorize(actor, DATABASE_PERMISSIONS.read, 'database.schema', options.module);
    return describeSchema(this, loadedNames(modules), options.module);
  }

  /** The CREATE statements of every table, or of one module's, for this engine (database:read). */
  async ddl(actor: Actor, modules: readonly ModuleRecord[], options: {module?: string} = {}): Promise<string> {
    await this.authorize(actor, DATABASE_PERMISSIONS.read, 'database.schema', options.module);
    return schemaDdl(this, loadedNames(modules), options.module);
  }

  /**
   * One raw statement (database:query; with `write`, database:write too). Raw queries read every
   * table, password hashes and encrypted secrets included, so they have their own permission that
   * `*:read` does not give. The statement is checked to stay inside this installation's database
   * (a refusal is exit 4 and audited); a write asks `confirm` and is audited with its outcome.
   */
  async query(actor: Actor, request: QueryRequest, options: {confirm?: ConfirmStep} = {}): Promise<QueryResult> {
    const access = await this.access();
    await access.authorize(actor, DATABASE_PERMISSIONS.query, 'database.query');
    if (request.write) await access.authorize(actor, DATABASE_PERMISSIONS.write, 'database.query');
    const audited = {
      statement: request.sql.slice(0, AUDITED_STATEMENT_LENGTH),
      parameters: request.params.length,
      write: request.write,
    };
    let checked;
    try {
      checked = await checkQuery(this, request);
    } catch (error) {
      const code = (error as {code?: string}).code;
      if (code === 'QUERY_NOT_ALLOWED')
        await this.audit(actor, {
          action: 'database.query',
          result: 'denied',
          permission: DATABASE_PERMISSIONS.query,
          details: {...audited, reason: (error as Error).message},
        });
      throw error;
    }
    if (!request.write) return executeQuery(this, checked);
    await options.confirm?.('Run a statement that may change data?');
    try {
      const result = await executeQuery(this, checked);
      await this.audit(actor, {
        action: 'database.query',
        result: 'ok',
        permission: DATABASE_PERMISSIONS.write,
        details: {...audited, ...(result.kind === 'changes' ? {changes: result.changes} : {rows: result.total})},
      });
      return result;
    } catch (error) {
      await this.audit(actor, {
        action: 'database.query',
        result: 'failed',
        permission: DATABASE_PERMISSIONS.write,
        details: {...audited, error: (error as {code?: string}).code ?? 'UNEXPECTED'},
      });
      throw error;
    }
  }

  /** Applies pending migrations of every module, or of one and its dependencies (database:write). */
  async migrate(
    actor: Actor,
    modules: readonly ModuleRecord[],
    options: {module?: string; dryRun?: boolean} = {},
  ): Promise<MigrationOutcome[]> {
    await this.authorize(actor, DATABASE_PERMISSIONS.write, 'database.migrate', options.module);
    const migrations = await this.migrationsOf(migrationSources(modules, options.module));
    const runner = await this.runner();
    if (options.dryRun) return runner.migrate(migrations, {dryRun: true});
    try {
      const outcomes = await runner.migrate(migrations);
      if (outcomes.length > 0)
        await this.audit(actor, {
          action: 'database.migrate',
          target: options.module ?? null,
          result: 'ok',
          permission: DATABASE_PERMISSIONS.write,
          details: {applied: outcomes.map(named)},
        });
      await this.noteMigrationOutcome(
        modules,
        migrations.map((migration) => migration.module),
      );
      return outcomes;
    } catch (error) {
      await this.audit(actor, {
        action: 'database.migrate',
        target: options.module ?? null,
        result: 'failed',
        permission: DATABASE_PERMISSIONS.write,
        details: {error: (error as Error).message},
      });
      await this.noteMigrationOutcome(modules, [], error);
      throw error;
    }
  }

  /**
   * Keeps modules:list's view of migrations current: the module whose migration failed is recorded as
   * failed; modules whose migrations all applied lose an earlier migration failure.
   */
  private async noteMigrationOutcome(
    modules: readonly ModuleRecord[],
    migrated: readonly string[],
    error?: unknown,
  ): Promise<void> {
    if (!this.dataDirectory) return;
    const {readModuleFailures, setModuleFailure} = await import('@systemprompt/core/kernel');
    const failed = (error as {details?: {module?: unknown}} | undefined)?.details?.module;
    const record = modules.find((candidate) => candidate.name === failed);
    if (record)
      await setModuleFailure(this.dataDirectory, record.name, {
        stage: 'migration',
        message: (error as Error).message,
        version: record.version,
        at: new Date().toISOString(),
      });
    const recorded = readModuleFailures(this.dataDirectory);
    for (const name of new Set(migrated))
      if (recorded[name]?.stage === 'migration') await setModuleFailure(this.dataDirectory, name, null);
  }

  /**
   * Reverts the newest `steps` migrations, or with `all` every applied one, of every module or of one
   * (database:write). A migration that destroys guarded records (its `rollbackDestroys`, such as the
   * audit log) is refused unless its module is the one named or `all` reverts everything. `confirm`
   * is asked after every check, naming what is lost.
   */
  async rollback(
    actor: Actor,
    modules: readonly ModuleRecord[],
    options: {module?: string; steps: number; all?: boolean; dryRun?: boolean; confirm?: ConfirmStep},
  ): Promise<MigrationOutcome[]> {
    await this.authorize(actor, DATABASE_PERMISSIONS.write, 'database.rollback', options.module);
    const known = await this.migrationsOf(migrationSources(modules, options.module));
    const runner = await this.runner();
    const order = {
      module: options.module,
      steps: options.steps,
      all: options.all,
      dependsOn: dependencyRelation(modules),
    };
    const planned = await runner.rollback(known, {...order, dryRun: true});
    if (planned.length === 0 || options.dryRun) return planned;
    const lost = planned.flatMap((item) =>
      Object.entries(item.destroys ?? {}).map(
        ([table, records]) => `${records} record${records === 1 ? '' : 's'} of ${table}`,
      ),
    );
    await options.confirm?.(
      `Revert ${planned.map(named).join(', ')}?${lost.length > 0 ? ` This destroys ${lost.join(', ')}.` : ''}`,
    );
    const target = options.module ?? null;
    try {
      const outcomes = await runner.rollback(known, order);
      const destroyed = Object.assign({}, ...outcomes.map((item) => item.destroys ?? {})) as Record<string, number>;
      await this.audit(actor, {
        action: 'database.rollback',
        target,
        result: 'ok',
        permission: DATABASE_PERMISSIONS.write,
        details: {reverted: outcomes.map(named), ...(Object.keys(destroyed).length > 0 ? {destroyed} : {})},
      });
      return outcomes;
    } catch (error) {
      await this.audit(actor, {
        action: 'database.rollback',
        target,
        result: 'failed',
        permission: DATABASE_PERMISSIONS.write,
        details: {error: (error as Error).message},
      });
      throw error;
    }
  }

  private async authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void> {
    await (await this.access()).authorize(actor, permission, action, target);
  }

  /**
   * Writes an audit record. A rollback can remove the audit table itself (when its module is named):
   * the record then cannot be written, and the log file keeps what happened instead.
   */
  private async audit(actor: Actor, entry: Parameters<AccessProvider['record']>[1]): Promise<void> {
    try {
      await (await this.access()).record(actor, entry);
    } catch (error) {
      this.logger.warn({err: error, actor: actor.label, entry}, `could not write the audit record of ${entry.action}`);
    }
  }

  /**
   * The connections in use and idle, and the callers waiting for one (MySQL/MariaDB's pool; SQLite has
   * its one connection); undefined until the database is open.
   */
  poolStats(): {busy: number; idle: number; waiting: number} | undefined {
    const source = this.opened;
    if (!source) return undefined;
    if (this.engine === 'sqlite') return {busy: 0, idle: 1, waiting: 0};
    // mysql2's pool keeps these lists as fields; read, never changed.
    const pool = (source.driver as {pool?: Record<string, {length?: number} | undefined>}).pool;
    const count = (name: string) => Number(pool?.[name]?.length ?? 0);
    const all = count('_allConnections');
    const idle = count('_freeConnections');
    return {busy: all - idle, idle, waiting: count('_connectionQueue')};
  }

  /** The DataSource, opened (and the database and its migrations table created) on first use. */
  dataSource(): Promise<ModularDataSource> {
    this.opening ??= (async () => {
      const dataSource = await openDataSource(this.settings);
      this.opened = dataSource;
      this.runnerInstance = new MigrationRunner(dataSource, this.engine, this.logger);
      await this.runnerInstance.ensureTable();
      await this.runnerInstance.migrate(await ownMigrations());
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
  async forModule(
    context: Pick<ModuleContext, 'name' | 'root' | 'manifest'>,
    entities: ReadonlyArray<EntitySchema<ObjectLiteral>> = [],
  ): Promise<ModuleDatabase> {
    const dataSource = await this.dataSource();
    await dataSource.addEntities(entities);
    const source = migrationSourceOf(context);
    const runner = await this.runner();
    // Most starts have nothing to apply: when every migration file is recorded as applied under its
    // file name, none is imported. A file named otherwise is imported and checked as before.
    if (!(await runner.recordsAll(source.module, await migrationFileNames(source)))) {
      const migrations = await loadMigrations(source);
      if (migrations.length > 0) await runner.migrate(migrations);
    }
    return {
      engine: this.engine,
      dataSource,
      get manager() {
        return dataSource.manager;
      },
      repository: (entity) => dataSource.getRepository(entity),
      transaction: (work, options) => this.runTransaction(dataSource, work, options),
      currentTransaction: () => this.currentTransaction.getStore()?.manager,
    };
  }

  /** One unit of work in one transaction, as a module's `transaction` runs it. */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.runTransaction(await this.dataSource(), work);
  }

  /**
   * Runs `callback` when the transaction of `manager` commits, and never if it rolls back; false when
   * `manager` is not that of an open transaction of this service. The transaction's promise resolves
   * once the callbacks (and the promises they return) are done. A transaction nested in another on
   * the same connection (a savepoint, on SQLite) hands its callbacks to the outer one when it ends.
   */
  afterCommit(manager: unknown, callback: () => unknown): boolean {
    const frame = this.openTransactions.get(manager as EntityManager)?.at(-1);
    if (!frame) return false;
    frame.callbacks.push(callback);
    return true;
  }

  /**
   * Runs reads that must not see what this process has not committed. On SQLite the process has one
   * connection, which shows an open transaction's rows to every query: the reads wait their turn, as
   * transactions do (inside a transaction they see its rows, as they should).
   */
  read<T>(work: (dataSource: ModularDataSource) => Promise<T>): Promise<T> {
    if (this.engine !== 'sqlite' || this.currentTransaction.getStore())
      return this.dataSource().then((dataSource) => work(dataSource));
    return this.inTurn(async () => work(await this.dataSource()));
  }

  /**
   * One use case in one transaction. On SQLite the process has one connection, so a transaction that
   * started while another was open would nest inside it (a savepoint) and vanish with its rollback:
   * transactions of one process take turns instead. One started from inside another (the same async
   * context) still nests, as the caller meant. After-commit callbacks run once the turn is over, so
   * that they can start transactions of their own.
   */
  private async runTransaction<T>(
    dataSource: DataSource,
    work: (manager: EntityManager) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const parent = this.currentTransaction.getStore();
    // A leaf needs no frame: nothing inside it asks for the current transaction or nests another.
    if (options.leaf && !parent) {
      const leaf = () => dataSource.transaction(work);
      return this.engine === 'sqlite' ? this.inTurn(leaf) : leaf();
    }
    const frame: TransactionFrame = {manager: undefined, callbacks: [], parent};
    const run = () =>
      this.currentTransaction.run(frame, () =>
        dataSource.transaction(async (manager) => {
          frame.manager = manager;
          const open = this.openTransactions.get(manager) ?? [];
          this.openTransactions.set(manager, [...open, frame]);
          try {
            return await work(manager);
          } finally {
            if (open.length > 0) this.openTransactions.set(manager, open);
            else this.openTransactions.delete(manager);
          }
        }),
      );
    this.unsettledTransactions++;
    let result: T;
    try {
      result = await (this.engine !== 'sqlite' || parent ? run() : this.inTurn(run));
    } finally {
      // With no transaction open, the async context tracking goes off: on Node 20 an enabled
      // AsyncLocalStorage hooks every promise of the process (about 12% of a server's requests per
      // second); the next transaction turns it on again.
      if (--this.unsettledTransactions === 0) this.currentTransaction.disable();
    }
    await this.committed(frame);
    return result;
  }

  /** Takes the next turn on SQLite's one connection (see runTransaction). */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.transactionTail.then(work);
    this.transactionTail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** A transaction committed: its callbacks run, or wait for the outer transaction it is a savepoint of. */
  private async committed(frame: TransactionFrame): Promise<void> {
    if (frame.callbacks.length === 0) return;
    // The same connection (SQLite has one): the inner transaction was a savepoint of the outer one.
    if (frame.parent && frame.parent.manager?.queryRunner === frame.manager?.queryRunner) {
      frame.parent.callbacks.push(...frame.callbacks);
      return;
    }
    for (const callback of frame.callbacks) {
      try {
        await callback();
      } catch (error) {
        this.logger.warn({err: error}, 'a callback after a commit failed');
      }
    }
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
    this.opened = undefined;
    this.runnerInstance = undefined;
    if (!opening) return;
    const dataSource = await opening.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}

const named = (item: {module: string; name: string}) => `${item.module}/${item.name}`;
const loadedNames = (modules: readonly ModuleRecord[]) =>
  modules.filter((record) => !record.error).map((record) => record.name);
