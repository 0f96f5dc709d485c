import type {ModuleRecord} from '@systemprompt/core/kernel';
import {migrationSourceOf, type DatabaseService, type MigrationOutcome} from '@systemprompt/database';

/** Applies the pending migrations of one module (an install, an upgrade, putting a version back). */
export async function applyModuleMigrations(
  database: DatabaseService,
  record: ModuleRecord,
): Promise<MigrationOutcome[]> {
  return (await database.runner()).migrate(await database.migrationsOf([migrationSourceOf(record)]));
}
