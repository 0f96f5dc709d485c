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

/** Reads a module's migrations, sorted by name; each file's default export is a Migration. */
export async function loadMigrations(source: MigrationSource): Promise<ModuleMigration[]> {
  if (!source.directory) return [];
  let files: string[];
  try {
    files = (await readdir(source.directory)).filter((file) => /\.(m?js)$/.test(file) && !file.endsWith('.d.ts')).sort();
  } catch {
    return [];
  }
  const migrations: ModuleMigration[] = [];
  for (const file of files) {
    const exported = ((await import(pathToFileURL(join(source.directory, file)).href)) as {default?: Partial<Migration>}).default;
    const where = `${source.module}: ${file}`;
    if (!exported || typeof exported.name !== 'string' || !Array.isArray(exported.steps)) {
      throw invalidInput(`Migration ${where} does not export a migration (defineMigration({name, steps}))`, {code: 'MIGRATION_INVALID'});
    }
    if (!MIGRATION_NAME.test(exported.name)) throw invalidInput(`Migration ${where} is named "${exported.name}"; names are YYYYMMDDHHMMSS-what-it-does`, {code: 'MIGRATION_INVALID'});
    if (exported.steps.some((step) => typeof step?.up !== 'function' || typeof step?.down !== 'function')) {
      throw invalidInput(`Migration ${where}: every step needs up() and down()`, {code: 'MIGRATION_INVALID'});
    }
    const destroys = exported.rollbackDestroys;
    if (destroys !== undefined && (!Array.isArray(destroys) || destroys.some((table) => typeof table !== 'string' || !TABLE_NAME.test(table)))) {
      throw invalidInput(`Migration ${where}: rollbackDestroys must list table names`, {code: 'MIGRATION_INVALID'});
    }
    migrations.push({module: source.module, name: exported.name, steps: exported.steps, ...(destroys?.length ? {rollbackDestroys: destroys} : {})});
  }
  return migrations.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
