import type {DatabaseService} from '../../src/index.js';

/** The names of the tables in the test database, sorted (read from the engine's own catalogue). */
export async function tableNames(service: DatabaseService): Promise<string[]> {
  const dataSource = await service.dataSource();
  const rows =
    service.engine === 'sqlite'
      ? await dataSource.query<Array<{name: string}>>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
      : await dataSource.query<Array<{name: string}>>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
        );
  return rows.map((row) => row.name).sort();
}
