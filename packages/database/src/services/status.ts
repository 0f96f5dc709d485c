import {statSync} from 'node:fs';
import type {DatabaseService} from './database-service.js';
import {loadMigrations, migrationFileNames, type MigrationSource, type ModuleMigration} from '../migrations/loader.js';
import {listTables} from './tables.js';

export interface DatabaseStatus {
  engine: 'sqlite' | 'mysql';
  version: string;
  location: string;
  sizeBytes: number;
  latencyMs: number;
  tableCount: number;
  tablesByModule: Record<string, number>;
  migrations: {applied: number; pending: number};
  pendingMigrations: string[];
}

const fileSize = (path: string) => statSync(path, {throwIfNoEntry: false})?.size ?? 0;

/**
 * The migrations not yet applied. A module whose every migration file is recorded as applied under
 * its file name has none, and its files are not imported (see forModule); the others are read.
 */
async function pendingMigrations(
  sources: readonly MigrationSource[],
  applied: ReadonlySet<string>,
): Promise<ModuleMigration[]> {
  const pending: ModuleMigration[] = [];
  for (const source of sources) {
    if ((await migrationFileNames(source)).every((name) => applied.has(`${source.module}/${name}`))) continue;
    pending.push(
      ...(await loadMigrations(source)).filter((migration) => !applied.has(`${migration.module}/${migration.name}`)),
    );
  }
  return pending;
}

/** Engine, version, where, how big, which tables per module, migrations applied and pending, round trip. */
export async function databaseStatus(
  service: DatabaseService,
  sources: readonly MigrationSource[],
): Promise<DatabaseStatus> {
  const dataSource = await service.dataSource();
  const started = performance.now();
  await dataSource.query('SELECT 1');
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  const [versionRow] = await dataSource.query<Array<{version: string}>>(
    service.engine === 'sqlite' ? 'SELECT sqlite_version() AS version' : 'SELECT VERSION() AS version',
  );
  // The runner creates its bookkeeping table first, so a fresh database counts it too.
  const runner = await service.runner();
  const applied = await runner.applied();
  const pending = await pendingMigrations(sources, new Set(applied.map((row) => `${row.module}/${row.name}`)));
  const tables = await listTables(
    dataSource,
    service.engine,
    sources.map((source) => source.module),
  );
  const tablesByModule: Record<string, number> = {};
  for (const source of sources) tablesByModule[source.module] = 0;
  for (const table of tables) tablesByModule[table.module] = (tablesByModule[table.module] ?? 0) + 1;
  const target = service.target;
  const sizeBytes =
    target.engine === 'sqlite'
      ? fileSize(target.file) + fileSize(`${target.file}-wal`) + fileSize(`${target.file}-shm`)
      : tables.reduce((sum, table) => sum + (table.sizeBytes ?? 0), 0);
  return {
    engine: service.engine,
    version: versionRow?.version ?? 'unknown',
    location: service.location,
    sizeBytes,
    latencyMs,
    tableCount: tables.length,
    tablesByModule,
    migrations: {applied: applied.length, pending: pending.length},
    pendingMigrations: pending.map((migration) => `${migration.module}/${migration.name}`),
  };
}
