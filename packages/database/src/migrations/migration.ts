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
}

export const MIGRATION_NAME = /^\d{14}-[a-z0-9]+(-[a-z0-9]+)*$/;

/** Declares a migration; its file's default export. */
export function defineMigration(migration: Migration): Migration {
  return migration;
}
