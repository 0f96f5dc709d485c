import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {invalidInput} from '@systemprompt/core';
import {MIGRATION_NAME, TABLE_NAME, type Migration} from './migration.js';

/** Where a module keeps its compiled migrations (module.yaml `migrations`, relative to its root). */
export interface MigrationSource {
  module: string;
  directory: string | undefined;
}

export interface ModuleMigration extends Migration {
  module: string;
}

const MIGRATION_FILE = /\.m?js$/;

/** The compiled migration files of a module, sorted (none when it has no migrations directory). */
async function migrationFiles(source: MigrationSource): Promise<string[]> {
  if (!source.directory) return [];
  try {
    return (await readdir(source.directory)).filter((file) => MIGRATION_FILE.test(file)).sort();
  } catch {
    return [];
  }
}

/**
 * The names a module's migration files are saved under, without importing them. A file is named
 * after its migration (`20261128090000-create-notes.js`), so this is what lets a module that has
 * nothing to apply start without importing each of its migrations.
 */
export async function migrationFileNames(source: MigrationSource): Promise<string[]> {
  return (await migrationFiles(source)).map((file) => file.replace(MIGRATION_FILE, ''));
}

/** Reads a module's migrations, sorted by name; each file's default export is a Migration. */
export async function loadMigrations(source: MigrationSource): Promise<ModuleMigration[]> {
  const {directory} = source;
  if (!directory) return [];
  const migrations: ModuleMigration[] = [];
  for (const file of await migrationFiles(source)) {
    const exported = ((await import(pathToFileURL(join(directory, file)).href)) as {default?: Partial<Migration>})
      .default;
    const where = `${source.module}: ${file}`;
    if (!exported || typeof exported.name !== 'string' || !Array.isArray(exported.steps)) {
      throw invalidInput(`Migration ${where} does not export a migration (defineMigration({name, steps}))`, {
        code: 'MIGRATION_INVALID',
      });
    }
    if (!MIGRATION_NAME.test(exported.name))
      throw invalidInput(`Migration ${where} is named "${exported.name}"; names are YYYYMMDDHHMMSS-what-it-does`, {
        code: 'MIGRATION_INVALID',
      });
    if (exported.steps.some((step) => typeof step?.up !== 'function' || typeof step?.down !== 'function')) {
      throw invalidInput(`Migration ${where}: every step needs up() and down()`, {code: 'MIGRATION_INVALID'});
    }
    const destroys = exported.rollbackDestroys;
    if (
      destroys !== undefined &&
      (!Array.isArray(destroys) || destroys.some((table) => typeof table !== 'string' || !TABLE_NAME.test(table)))
    ) {
      throw invalidInput(`Migration ${where}: rollbackDestroys must list table names`, {code: 'MIGRATION_INVALID'});
    }
    migrations.push({
      module: source.module,
      name: exported.name,
      steps: exported.steps,
      ...(destroys?.length ? {rollbackDestroys: destroys} : {}),
    });
  }
  return migrations.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
