import type {DataSource} from 'typeorm';
import type {Engine} from '../connection.js';
import {MIGRATIONS_TABLE} from '../migrations/runner.js';
import {EVENTS_TABLE} from './event-store.js';

export interface TableInfo {
  name: string;
  module: string;
  sizeBytes?: number;
}

/**
 * A table belongs to the module whose name it equals or starts with (`users`, `users_roles`; dashes in
 * module names become underscores). The migrations and events tables are the database module's.
 */
export function ownerOf(table: string, moduleNames: readonly string[]): string {
  if (table === MIGRATIONS_TABLE || table === EVENTS_TABLE) return 'database';
  const candidates = moduleNames
    .map((name) => ({name, prefix: name.replace(/-/g, '_')}))
    .filter(({prefix}) => table === prefix || table.startsWith(`${prefix}_`))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return candidates[0]?.name ?? 'other';
}

export async function listTables(
  dataSource: DataSource,
  engine: Engine,
  moduleNames: readonly string[],
): Promise<TableInfo[]> {
  const rows =
    engine === 'sqlite'
      ? await dataSource.query<Array<{name: string}>>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
      : await dataSource.query<Array<{name: string; size: number | string}>>(
          'SELECT table_name AS name, data_length + index_length AS size FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
        );
  return rows.map((row) => ({
    name: row.name,
    module: ownerOf(row.name, moduleNames),
    ...('size' in row ? {sizeBytes: Number(row.size)} : {}),
  }));
}
