import type {QueryRunner} from 'typeorm';

/**
 * One reversible change. Keep a step to one DDL statement (create a table, add a column, an index,
 * a foreign key): MySQL commits each DDL statement at once, so the runner undoes a failed migration
 * there by running the `down` of every step already applied, in reverse.
 */
export interface MigrationStep {
  up(queryRunner: QueryRunner): Promise<unknown>;
  down(queryRunner: QueryRunner): Promise<unknown>;
}

export interface Migration {
  /** `YYYYMMDDHHMMSS-what-it-does`: the timestamp orders a module's migrations. */
  name: string;
  steps: MigrationStep[];
  /**
   * Tables whose records are lost when this migration is rolled back and must never be lost by
   * accident (an audit log, say). `database:rollback` refuses to revert the migration unless its
   * module is named (`--module`), and says how many records each table holds.
   */
  rollbackDestroys?: string[];
}

export const MIGRATION_NAME = /^\d{14}-[a-z0-9]+(-[a-z0-9]+)*$/;

/** Table names a migration may list in `rollbackDestroys` (they are quoted into a COUNT query). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Declares a migration; its file's default export. */
export function defineMigration(migration: Migration): Migration {
  return migration;
}
