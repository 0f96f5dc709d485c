import {statSync} from 'node:fs';
import type {DatabaseService} from './database-service.js';
import type {MigrationSource} from '../migrations/loader.js';
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

/** Engine, version, where, how big, which tables per module, migrations applied and pending, round trip. */
export async function databaseStatus(service: DatabaseService, sources: readonly MigrationSource[]): Promise<DatabaseStatus> {
  const dataSource = await service.dataSource();
  const started = performance.now();
  await dataSource.query('SELECT 1');
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  const [versionRow] = (await dataSource.query(service.engine === 'sqlite' ? 'SELECT sqlite_version() AS version' : 'SELECT VERSION() AS version')) as Array<{version: string}>;
  // The runner creates its bookkeeping table first, so a fresh database counts it too.
  const runner = await service.runner();
  const known = await service.migrationsOf(sources);
  const pending = await runner.pending(known);
  const applied = await runner.applied();
  const tables = await listTables(dataSource, service.engine, sources.map((source) => source.module));
  const tablesByModule: Record<string, number> = {};
  for (const source of sources) tablesByModule[source.module] = 0;
  for (const table of tables) tablesByModule[table.module] = (tablesByModule[table.module] ?? 0) + 1;
  const target = service.target;
  const sizeBytes = target.engine === 'sqlite'
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
