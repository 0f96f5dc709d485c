import type {DatabaseService} from './database-service.js';
import {quoteMysql} from '../sql-identifiers.js';
import {listTables} from './tables.js';

export interface ColumnInfo {
  module: string;
  table: string;
  column: string;
  type: string;
  nullable: boolean;
  primary: boolean;
  default: string | null;
}

async function tablesOf(service: DatabaseService, moduleNames: readonly string[], module: string | undefined) {
  const dataSource = await service.dataSource();
  return {
    dataSource,
    tables: (await listTables(dataSource, service.engine, moduleNames)).filter(
      (table) => !module || table.module === module,
    ),
  };
}

/** The columns of every table (of one module, when given), as the engine reports them. */
export async function describeSchema(
  service: DatabaseService,
  moduleNames: readonly string[],
  module?: string,
): Promise<ColumnInfo[]> {
  const {dataSource, tables} = await tablesOf(service, moduleNames, module);
  const queryRunner = dataSource.createQueryRunner();
  try {
    const described = await queryRunner.getTables(tables.map((table) => table.name));
    const owner = new Map(tables.map((table) => [table.name, table.module]));
    return described
      .flatMap((table) => {
        const name = table.name.includes('.') ? table.name.slice(table.name.lastIndexOf('.') + 1) : table.name;
        return table.columns.map((column) => ({
          module: owner.get(name) ?? 'other',
          table: name,
          column: column.name,
          type: column.length ? `${column.type}(${column.length})` : column.type,
          nullable: column.isNullable,
          primary: column.isPrimary,
          default: column.default === undefined || column.default === null ? null : String(column.default),
        }));
      })
      .sort((a, b) => a.table.localeCompare(b.table));
  } finally {
    await queryRunner.release();
  }
}

/** CREATE statements of the tables (and SQLite's indexes), for the current engine. */
export async function schemaDdl(
  service: DatabaseService,
  moduleNames: readonly string[],
  module?: string,
): Promise<string> {
  const {dataSource, tables} = await tablesOf(service, moduleNames, module);
  const statements: string[] = [];
  for (const table of tables) {
    if (service.engine === 'sqlite') {
      const rows = await dataSource.query<Array<{sql: string}>>(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'table' DESC, name",
        [table.name],
      );
      statements.push(...rows.map((row) => `${row.sql};`));
    } else {
      // SHOW CREATE TABLE takes no placeholder; the name comes from information_schema, quoted.
      const [row] = await dataSource.query<Array<Record<string, string>>>(
        `SHOW CREATE TABLE ${quoteMysql(table.name)}`,
      );
      if (row) statements.push(`${row['Create Table']};`);
    }
  }
  return statements.join('\n\n') + (statements.length > 0 ? '\n' : '');
}
