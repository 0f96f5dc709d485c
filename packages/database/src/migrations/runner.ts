import {SystemPromptError, ExitCode, invalidInput, type Logger} from '@systemprompt/core';
import type {DataSource, QueryRunner} from 'typeorm';
import type {Engine} from '../connection.js';
import type {ModuleMigration} from './loader.js';

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

  /** Creates the bookkeeping table when it is missing. */
  async ensureTable(): Promise<void> {
    if (this.tableReady) return;
    const {Table, TableIndex} = await import('typeorm');
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      if (!(await queryRunner.hasTable(MIGRATIONS_TABLE))) await queryRunner.createTable(new Table({
        name: MIGRATIONS_TABLE,
        columns: [
          {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
          {name: 'module', type: 'varchar', length: '64'},
          {name: 'name', type: 'varchar', length: '200'},
          {name: 'applied_at', type: 'varchar', length: '32'},
        ],
        indices: [new TableIndex({name: 'uq_systemprompt_migrations_module_name', columnNames: ['module', 'name'], isUnique: true})],
      }), true);
      this.tableReady = true;
    } finally {
      await queryRunner.release();
    }
  }

  async applied(): Promise<AppliedMigration[]> {
    await this.ensureTable();
    const rows = (await this.dataSource.query(`SELECT id, module, name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY id`)) as Array<{id: number; module: string; name: string; applied_at: string}>;
    return rows.map((row) => ({id: Number(row.id), module: row.module, name: row.name, appliedAt: row.applied_at}));
  }

  async pending(migrations: readonly ModuleMigration[]): Promise<ModuleMigration[]> {
    const done = new Set((await this.applied()).map((row) => key(row.module, row.name)));
    return migrations.filter((migration) => !done.has(key(migration.module, migration.name)));
  }

  /** Applies the pending ones of `migrations` (already in dependency and name order). */
  async migrate(migrations: readonly ModuleMigration[], options: {dryRun?: boolean} = {}): Promise<MigrationOutcome[]> {
    return this.exclusively(async (queryRunner) => {
      const pending = await this.pending(migrations);
      const outcomes: MigrationOutcome[] = [];
      for (const migration of pending) {
        if (!options.dryRun) await this.apply(queryRunner, migration);
        outcomes.push({module: migration.module, name: migration.name, steps: migration.steps.length, status: options.dryRun ? 'pending' : 'applied'});
      }
      return outcomes;
    });
  }

  /** Reverts the last `steps` applied migrations (of one module, when given), newest first. */
  async rollback(known: readonly ModuleMigration[], options: {module?: string; steps: number; dryRun?: boolean}): Promise<MigrationOutcome[]> {
    return this.exclusively(async (queryRunner) => {
      const byKey = new Map(known.map((migration) => [key(migration.module, migration.name), migration]));
      const candidates = (await this.applied()).filter((row) => !options.module || row.module === options.module).reverse().slice(0, options.steps);
      const outcomes: MigrationOutcome[] = [];
      for (const row of candidates) {
        const migration = byKey.get(key(row.module, row.name));
        if (!migration) {
          throw invalidInput(`Cannot roll back ${key(row.module, row.name)}: module "${row.module}" is not installed, so its migration is unknown`, {code: 'MIGRATION_UNKNOWN'});
        }
        if (!options.dryRun) await this.revert(queryRunner, migration);
        outcomes.push({module: migration.module, name: migration.name, steps: migration.steps.length, status: options.dryRun ? 'applied' : 'reverted'});
      }
      return outcomes;
    });
  }

  private async apply(queryRunner: QueryRunner, migration: ModuleMigration): Promise<void> {
    await this.inUnit(queryRunner, migration, 'apply', async (done) => {
      for (const step of migration.steps) {
        await step.up(queryRunner);
        done.push(step);
      }
      await queryRunner.query(`INSERT INTO ${MIGRATIONS_TABLE} (module, name, applied_at) VALUES (?, ?, ?)`, [migration.module, migration.name, new Date().toISOString()]);
    }, (step) => step.down(queryRunner));
    this.logger.info({migration: migration.name, for: migration.module}, `applied migration ${key(migration.module, migration.name)}`);
  }

  private async revert(queryRunner: QueryRunner, migration: ModuleMigration): Promise<void> {
    await this.inUnit(queryRunner, migration, 'revert', async (done) => {
      for (const step of [...migration.steps].reverse()) {
        await step.down(queryRunner);
        done.push(step);
      }
      await queryRunner.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE module = ? AND name = ?`, [migration.module, migration.name]);
    }, (step) => step.up(queryRunner));
    this.logger.info({migration: migration.name, for: migration.module}, `reverted migration ${key(migration.module, migration.name)}`);
  }

  /**
   * Runs `work` all or nothing: in a transaction on SQLite; on MySQL, by calling `undo` for each
   * step that `work` recorded as done, newest first, when it fails.
   */
  private async inUnit(
    queryRunner: QueryRunner,
    migration: ModuleMigration,
    action: 'apply' | 'revert',
    work: (done: ModuleMigration['steps']) => Promise<void>,
    undo: (step: ModuleMigration['steps'][number]) => Promise<unknown>,
  ): Promise<void> {
    const done: ModuleMigration['steps'] = [];
    const transactional = this.engine === 'sqlite';
    if (transactional) await queryRunner.startTransaction();
    try {
      await work(done);
      if (transactional) await queryRunner.commitTransaction();
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
      const failedStep = Math.min(done.length + 1, migration.steps.length);
      const reason = error instanceof Error ? error.message : String(error);
      throw new SystemPromptError(
        `Migration ${key(migration.module, migration.name)} failed to ${action} at step ${failedStep} of ${migration.steps.length}: ${reason}` +
          (undone ? '; the schema is as it was before it' : '; some steps could not be undone, see the log'),
        {code: 'MIGRATION_FAILED', exitCode: ExitCode.Unexpected, details: {module: migration.module, migration: migration.name, step: failedStep, undone}, cause: error},
      );
    }
  }

  /** One migrating process at a time: a named lock on MySQL; SQLite's write lock serializes the rest. */
  private async exclusively<T>(work: (queryRunner: QueryRunner) => Promise<T>): Promise<T> {
    await this.ensureTable();
    const queryRunner = this.dataSource.createQueryRunner();
    await queryRunner.connect();
    const mysql = this.engine === 'mysql';
    try {
      if (mysql) {
        const [row] = (await queryRunner.query('SELECT GET_LOCK(?, ?) AS locked', ['systemprompt_migrations', 60])) as Array<{locked: number}>;
        if (Number(row?.locked) !== 1) throw new SystemPromptError('Another process is migrating this database', {code: 'MIGRATION_LOCKED', exitCode: ExitCode.Conflict, hint: 'Try again when it has finished.'});
      }
      return await work(queryRunner);
    } finally {
      if (mysql) await queryRunner.query('SELECT RELEASE_LOCK(?)', ['systemprompt_migrations']).catch(() => undefined);
      await queryRunner.release();
    }
  }
}
