import {SystemPromptError, ExitCode, invalidInput, type Logger} from '@systemprompt/core';
import type {DataSource, QueryRunner} from 'typeorm';
import type {Engine} from '../connection.js';
import type {ModuleMigration} from './loader.js';
import {TABLE_NAME} from './migration.js';

export const MIGRATIONS_TABLE = 'systemprompt_migrations';

export interface AppliedMigration {
  id: number;
  module: string;
  name: string;
  appliedAt: string;
}

export interface MigrationOutcome {
  module: string;
  name: string;
  steps: number;
  status: 'applied' | 'reverted' | 'pending';
  /** Records per table that reverting this migration destroys (its `rollbackDestroys`). */
  destroys?: Record<string, number>;
}

const key = (module: string, name: string) => `${module}/${name}`;

/**
 * Applies and reverts module migrations, recording each in `systemprompt_migrations`.
 * SQLite runs a migration inside one transaction. MySQL commits DDL statement by statement, so a
 * failure there is undone by the inverse of every step already run, in reverse order. Either way a
 * failed migration leaves the schema as it was before it.
 */
export class MigrationRunner {
  private tableReady = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: Engine,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates the bookkeeping table when it is missing. Processes that start together on a new
   * database all see it missing: the one that gets the lock creates it, the others find it made.
   */
  async ensureTable(): Promise<void> {
    if (this.tableReady) return;
    const {Table, TableIndex} = await import('../typeorm.js');
    const exists = async (queryRunner: QueryRunner) => queryRunner.hasTable(MIGRATIONS_TABLE);
    const probe = this.dataSource.createQueryRunner();
    try {
      this.tableReady = await exists(probe);
    } finally {
      await probe.release();
    }
    if (this.tableReady) return;
    await this.locked(async (queryRunner) => {
      await this.inWriteTransaction(queryRunner, async () => {
        if (await exists(queryRunner)) return;
        await queryRunner.createTable(
          new Table({
            name: MIGRATIONS_TABLE,
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'module', type: 'varchar', length: '64'},
              {name: 'name', type: 'varchar', length: '200'},
              {name: 'applied_at', type: 'varchar', length: '32'},
            ],
            indices: [
              new TableIndex({
                name: 'uq_systemprompt_migrations_module_name',
                columnNames: ['module', 'name'],
                isUnique: true,
              }),
            ],
          }),
          true,
        );
      });
    });
    this.tableReady = true;
  }

  /** The applied migrations; with `queryRunner`, read on its connection (the one holding the lock). */
  async applied(queryRunner?: QueryRunner): Promise<AppliedMigration[]> {
    await this.ensureTable();
    const rows = (await (queryRunner ?? this.dataSource).query(
      `SELECT id, module, name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY id`,
    )) as Array<{id: number; module: string; name: string; applied_at: string}>;
    return rows.map((row) => ({id: Number(row.id), module: row.module, name: row.name, appliedAt: row.applied_at}));
  }

  /** Whether each of `names` is recorded as applied for `module` (true for none). */
  async recordsAll(module: string, names: readonly string[]): Promise<boolean> {
    if (names.length === 0) return true;
    const done = new Set((await this.applied()).filter((row) => row.module === module).map((row) => row.name));
    return names.every((name) => done.has(name));
  }

  async pending(migrations: readonly ModuleMigration[], queryRunner?: QueryRunner): Promise<ModuleMigration[]> {
    const done = new Set((await this.applied(queryRunner)).map((row) => key(row.module, row.name)));
    return migrations.filter((migration) => !done.has(key(migration.module, migration.name)));
  }

  /** Applies the pending ones of `migrations` (already in dependency and name order). */
  async migrate(migrations: readonly ModuleMigration[], options: {dryRun?: boolean} = {}): Promise<MigrationOutcome[]> {
    // Most runs have nothing to do: say so without taking the migration lock.
    if ((await this.pending(migrations)).length === 0) return [];
    // Under the lock, reads go through the connection that holds it: a pool of one has no other.
    return this.exclusively(async (queryRunner) => {
      const pending = await this.pending(migrations, queryRunner);
      const outcomes: MigrationOutcome[] = [];
      for (const migration of pending) {
        if (options.dryRun)
          outcomes.push({
            module: migration.module,
            name: migration.name,
            steps: migration.steps.length,
            status: 'pending',
          });
        else if (await this.apply(queryRunner, migration))
          outcomes.push({
            module: migration.module,
            name: migration.name,
            steps: migration.steps.length,
            status: 'applied',
          });
      }
      return outcomes;
    });
  }

  /**
   * Reverts the last `steps` applied migrations (of one module, when given; every one with `all`),
   * newest first, except that a migration waits for those of modules that depend on its module
   * (`dependsOn(module, dependency)`): their tables may reference its tables, even when its module
   * was migrated again after them. A migration that destroys guarded records (`rollbackDestroys`)
   * is reverted only when its module is the one named, or when `all` reverts everything; otherwise
   * nothing is reverted and the refusal says how many records would be lost.
   */
  async rollback(
    known: readonly ModuleMigration[],
    options: {
      module?: string;
      steps: number;
      all?: boolean;
      dryRun?: boolean;
      dependsOn?: (module: string, dependency: string) => boolean;
    },
  ): Promise<MigrationOutcome[]> {
    return this.exclusively(async (queryRunner) => {
      const byKey = new Map(known.map((migration) => [key(migration.module, migration.name), migration]));
      const newestFirst = (await this.applied(queryRunner))
        .filter((row) => !options.module || row.module === options.module)
        .reverse();
      const candidates = dependentsFirst(
        options.all ? newestFirst : newestFirst.slice(0, options.steps),
        options.dependsOn,
      );
      const planned: Array<{migration: ModuleMigration; destroys?: Record<string, number>}> = [];
      for (const row of candidates) {
        const migration = byKey.get(key(row.module, row.name));
        if (!migration) {
          throw invalidInput(
            `Cannot roll back ${key(row.module, row.name)}: module "${row.module}" is not installed, so its migration is unknown`,
            {code: 'MIGRATION_UNKNOWN'},
          );
        }
        planned.push({
          migration,
          ...(migration.rollbackDestroys?.length
            ? {destroys: await this.recordCounts(queryRunner, migration.rollbackDestroys)}
            : {}),
        });
      }
      const guarded = planned.filter(
        (item) => item.destroys && !options.all && item.migration.module !== options.module,
      );
      if (guarded.length > 0)
        throw destroysRecords(guarded.map((item) => ({migration: item.migration, destroys: item.destroys!})));
      const outcomes: MigrationOutcome[] = [];
      for (const {migration, destroys} of planned) {
        const outcome: MigrationOutcome = {
          module: migration.module,
          name: migration.name,
          steps: migration.steps.length,
          status: options.dryRun ? 'applied' : 'reverted',
          ...(destroys ? {destroys} : {}),
        };
        if (options.dryRun || (await this.revert(queryRunner, migration))) outcomes.push(outcome);
      }
      return outcomes;
    });
  }

  /** How many records each table holds (0 for a table that does not exist). */
  private async recordCounts(queryRunner: QueryRunner, tables: readonly string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      if (!TABLE_NAME.test(table) || !(await queryRunner.hasTable(table))) {
        counts[table] = 0;
        continue;
      }
      // The name matched TABLE_NAME (letters, digits, _); identifiers cannot be bound.
      const quoted = this.engine === 'mysql' ? `\`${table}\`` : `"${table}"`;
      const [row] = (await queryRunner.query(`SELECT COUNT(*) AS n FROM ${quoted}`)) as Array<{n: number | string}>;
      counts[table] = Number(row?.n ?? 0);
    }
    return counts;
  }

  /** Whether the migration is recorded as applied, seen from inside the caller's transaction. */
  private async isRecorded(queryRunner: QueryRunner, migration: ModuleMigration): Promise<boolean> {
    const rows = (await queryRunner.query(`SELECT id FROM ${MIGRATIONS_TABLE} WHERE module = ? AND name = ?`, [
      migration.module,
      migration.name,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Applies one migration; false when another process applied it first (seen under the write lock). */
  private async apply(queryRunner: QueryRunner, migration: ModuleMigration): Promise<boolean> {
    const applied = await this.inUnit(
      queryRunner,
      migration,
      'apply',
      async (done) => {
        if (await this.isRecorded(queryRunner, migration)) return false;
        for (const step of migration.steps) {
          await step.up(queryRunner);
          done.push(step);
        }
        await queryRunner.query(`INSERT INTO ${MIGRATIONS_TABLE} (module, name, applied_at) VALUES (?, ?, ?)`, [
          migration.module,
          migration.name,
          new Date().toISOString(),
        ]);
        return true;
      },
      (step) => step.down(queryRunner),
    );
    if (applied)
      this.logger.info(
        {migration: migration.name, for: migration.module},
        `applied migration ${key(migration.module, migration.name)}`,
      );
    return applied;
  }

  /** Reverts one migration; false when another process reverted it first. */
  private async revert(queryRunner: QueryRunner, migration: ModuleMigration): Promise<boolean> {
    const reverted = await this.inUnit(
      queryRunner,
      migration,
      'revert',
      async (done) => {
        if (!(await this.isRecorded(queryRunner, migration))) return false;
        for (const step of [...migration.steps].reverse()) {
          await step.down(queryRunner);
          done.push(step);
        }
        await queryRunner.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE module = ? AND name = ?`, [
          migration.module,
          migration.name,
        ]);
        return true;
      },
      (step) => step.up(queryRunner),
    );
    if (reverted)
      this.logger.info(
        {migration: migration.name, for: migration.module},
        `reverted migration ${key(migration.module, migration.name)}`,
      );
    return reverted;
  }

  /**
   * Runs `work` all or nothing: in a transaction on SQLite; on MySQL, by calling `undo` for each
   * step that `work` recorded as done, newest first, when it fails.
   */
  private async inUnit(
    queryRunner: QueryRunner,
    migration: ModuleMigration,
    action: 'apply' | 'revert',
    work: (done: ModuleMigration['steps']) => Promise<boolean>,
    undo: (step: ModuleMigration['steps'][number]) => Promise<unknown>,
  ): Promise<boolean> {
    const done: ModuleMigration['steps'] = [];
    // On SQLite the transaction takes the write lock first (BEGIN IMMEDIATE, see data-source.ts), so
    // the check of what is applied and the change see the same database.
    const transactional = this.engine === 'sqlite';
    if (transactional) await queryRunner.startTransaction();
    try {
      const changed = await work(done);
      if (transactional) await queryRunner.commitTransaction();
      return changed;
    } catch (error) {
      let undone = true;
      if (transactional) await queryRunner.rollbackTransaction();
      else {
        for (const step of [...done].reverse()) {
          try {
            await undo(step);
          } catch (undoError) {
            undone = false;
            this.logger.error({err: undoError, migration: migration.name}, 'could not undo a migration step');
          }
        }
      }
      // Steps are numbered as written; a revert runs them from the last one back.
      const failedStep =
        action === 'apply'
          ? Math.min(done.length + 1, migration.steps.length)
          : Math.max(migration.steps.length - done.length, 1);
      const reason = error instanceof Error ? error.message : String(error);
      throw new SystemPromptError(
        `Migration ${key(migration.module, migration.name)} failed to ${action} at step ${failedStep} of ${migration.steps.length}: ${reason}` +
          (undone ? '; the schema is as it was before it' : '; some steps could not be undone, see the log'),
        {
          code: 'MIGRATION_FAILED',
          exitCode: ExitCode.Unavailable,
          details: {module: migration.module, migration: migration.name, step: failedStep, undone},
          cause: error,
        },
      );
    }
  }

  /** One migrating process at a time: a named lock on MySQL; SQLite's write lock serializes the rest. */
  private async exclusively<T>(work: (queryRunner: QueryRunner) => Promise<T>): Promise<T> {
    await this.ensureTable();
    return this.locked(work);
  }

  private async locked<T>(work: (queryRunner: QueryRunner) => Promise<T>): Promise<T> {
    const queryRunner = this.dataSource.createQueryRunner();
    await queryRunner.connect();
    const mysql = this.engine === 'mysql';
    try {
      if (mysql) {
        const [row] = (await queryRunner.query('SELECT GET_LOCK(?, ?) AS locked', [
          'systemprompt_migrations',
          60,
        ])) as Array<{locked: number}>;
        if (Number(row?.locked) !== 1)
          throw new SystemPromptError('Another process is migrating this database', {
            code: 'MIGRATION_LOCKED',
            exitCode: ExitCode.Conflict,
            hint: 'Try again when it has finished.',
          });
      }
      return await work(queryRunner);
    } finally {
      if (mysql) await queryRunner.query('SELECT RELEASE_LOCK(?)', ['systemprompt_migrations']).catch(() => undefined);
      await queryRunner.release();
    }
  }

  /** SQLite: one write transaction (taking the write lock at once); MySQL: the named lock suffices. */
  private async inWriteTransaction(queryRunner: QueryRunner, work: () => Promise<void>): Promise<void> {
    if (this.engine !== 'sqlite') return work();
    await queryRunner.startTransaction();
    try {
      await work();
      await queryRunner.commitTransaction();
    } catch (error) {
      await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }
}

/**
 * Orders migrations, given newest first, so that none comes before a migration of a module that
 * depends on its module; otherwise the order stays as given.
 */
function dependentsFirst(
  newestFirst: readonly AppliedMigration[],
  dependsOn?: (module: string, dependency: string) => boolean,
): AppliedMigration[] {
  if (!dependsOn) return [...newestFirst];
  const remaining = [...newestFirst];
  const ordered: AppliedMigration[] = [];
  while (remaining.length > 0) {
    const next = remaining.findIndex(
      (row) => !remaining.some((other) => other.module !== row.module && dependsOn(other.module, row.module)),
    );
    // A dependency cycle cannot boot; should one get here, newest first is still an order.
    ordered.push(...remaining.splice(Math.max(next, 0), 1));
  }
  return ordered;
}

/** The refusal to drop guarded records by accident: which tables, how many records, how to mean it. */
function destroysRecords(
  items: ReadonlyArray<{migration: ModuleMigration; destroys: Record<string, number>}>,
): SystemPromptError {
  const what = items
    .map(
      ({migration, destroys}) =>
        `${key(migration.module, migration.name)} drops ${Object.entries(destroys)
          .map(([table, records]) => `${table} (${records} record${records === 1 ? '' : 's'})`)
          .join(', ')}`,
    )
    .join('; ');
  const modules = [...new Set(items.map((item) => item.migration.module))];
  return invalidInput(`Refusing to roll back: ${what}, and those records cannot be restored`, {
    code: 'ROLLBACK_DESTROYS_RECORDS',
    details: {
      migrations: items.map(({migration, destroys}) => ({module: migration.module, name: migration.name, destroys})),
    },
    hint: `Name the module to mean it: --module ${modules.join(' / --module ')}. Export the records first if you need them.`,
  });
}
