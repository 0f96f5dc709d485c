import type {EntityManager} from 'typeorm';
import {invalidInput} from '@systemprompt/core';
import type {Engine} from '../../connection.js';
import {driverErrorCode} from '../../sql-errors.js';
import type {ExportFormat, ExportHeader, FileRow} from './format.js';
import {type TransferColumn, type TransferTable} from './tables.js';
import {decodeValue} from '../row-values.js';
import {quoteIdentifier} from '../../sql-identifiers.js';

/** One refused row of an import: where, and why. */
export interface ImportProblem {
  table: string;
  /** The row's number within its table in the file (1-based); null for the table as a whole. */
  row: number | null;
  line: number | null;
  column: string | null;
  reason: string;
}

/** The most problems an import report lists; the count says how many there were in all. */
export const MAX_PROBLEMS = 100;

/**
 * Checks the file's tables and columns against the live schema: every table must exist here, and
 * every column the file names. Returns the live table of each name in the file.
 */
export function matchTables(header: ExportHeader, live: readonly TransferTable[]): Map<string, TransferTable> {
  const byName = new Map(live.map((table) => [table.name, table]));
  const matched = new Map<string, TransferTable>();
  for (const table of header.tables) {
    const here = byName.get(table.name);
    if (!here)
      throw invalidInput(`The file holds table "${table.name}", which this database does not have`, {
        code: 'DATA_IMPORT_UNKNOWN_TABLE',
        details: {table: table.name},
        hint: 'Install and migrate the module that owns it first (database:migrate), or leave the table out.',
      });
    const unknown = table.columns.filter((column) => !here.columns.some((live) => live.name === column.name));
    if (unknown.length > 0)
      throw invalidInput(
        `The file's table "${table.name}" has column${unknown.length === 1 ? '' : 's'} ${unknown.map((column) => column.name).join(', ')} that this database does not have`,
        {
          code: 'DATA_IMPORT_UNKNOWN_TABLE',
          details: {table: table.name, columns: unknown.map((column) => column.name)},
          hint: 'Migrate this database to the modules of the export (database:migrate).',
        },
      );
    matched.set(table.name, here);
  }
  return matched;
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Why a value does not fit a column, or undefined when it does. */
function misfit(column: TransferColumn, value: unknown): string | undefined {
  if (value === null) return column.nullable ? undefined : 'NULL in a NOT NULL column';
  const shown = JSON.stringify(value)?.slice(0, 60);
  switch (column.kind) {
    case 'integer':
      if (typeof value === 'boolean') return undefined;
      if (typeof value === 'number' ? Number.isInteger(value) : typeof value === 'string' && INTEGER.test(value))
        return undefined;
      return `expected an integer (${column.type}), got ${shown}`;
    case 'float':
    case 'single':
    case 'decimal':
      if (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && NUMBER.test(value))
        return undefined;
      return `expected a number (${column.type}), got ${shown}`;
    case 'text':
      if (typeof value !== 'string') return `expected text (${column.type}), got ${shown}`;
      if (column.length !== undefined && [...value].length > column.length)
        return `text of ${[...value].length} characters in ${column.type}`;
      return undefined;
    case 'binary':
      return typeof value === 'string' || typeof (value as {$base64?: unknown}).$base64 === 'string'
        ? undefined
        : `expected binary data ({"$base64": ...}), got ${shown}`;
    default:
      return typeof value === 'object' ? `expected a plain value (${column.type}), got ${shown}` : undefined;
  }
}

/** The problems of one row against its live table (unknown columns, NOT NULL, types). */
export function checkRow(row: FileRow, table: TransferTable): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const at = (column: string | null, reason: string) =>
    problems.push({table: row.table, row: row.number, line: row.line, column, reason});
  for (const name of Object.keys(row.values))
    if (!table.columns.some((column) => column.name === name)) at(name, 'no such column');
  for (const column of table.columns) {
    if (!(column.name in row.values)) {
      if (!column.optional) at(column.name, 'missing value for a NOT NULL column without a default');
      continue;
    }
    const reason = misfit(column, row.values[column.name]);
    if (reason) at(column.name, reason);
  }
  return problems;
}

/** A file value as a statement parameter for its column (CSV gives binary as base64 text). */
function parameter(value: unknown, column: TransferColumn, format: ExportFormat): unknown {
  if (format === 'csv' && column.kind === 'binary' && typeof value === 'string') return Buffer.from(value, 'base64');
  return decodeValue(value);
}

/** Why the engine refused a row, in one line; the column when the engine names it. */
function refusal(error: unknown, table: string): {column: string | null; reason: string} {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const code = driverErrorCode(error);
  const sqliteColumn = new RegExp(`${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\w+)`).exec(message)?.[1];
  const reason =
    code === 'ER_DUP_ENTRY' || /UNIQUE|PRIMARYKEY/.test(code ?? '')
      ? `duplicate key: ${message.replace(/^(\w*Error|[A-Z_]+): /, '')}`
      : /FOREIGN|ER_NO_REFERENCED_ROW|ER_ROW_IS_REFERENCED/.test(`${code ?? ''} ${message}`)
        ? `foreign key: ${message.replace(/^(\w*Error|[A-Z_]+): /, '')}`
        : message.replace(/^(\w*Error|[A-Z_]+): /, '');
  return {column: sqliteColumn ?? null, reason};
}

/**
 * Inserts the rows of one table in multi-row statements. When the engine refuses a statement (each
 * statement is all or nothing on both engines) its rows are inserted one at a time to find which
 * ones it refuses, so the report names the row.
 */
export class RowInserter {
  private pending: FileRow[] = [];
  private columns: TransferColumn[] = [];
  /** Rows inserted, per table. */
  readonly inserted = new Map<string, number>();

  constructor(
    private readonly manager: EntityManager,
    private readonly engine: Engine,
    private readonly format: ExportFormat,
    private readonly report: (problem: ImportProblem) => void,
  ) {}

  private table: TransferTable | undefined;

  async add(row: FileRow, table: TransferTable): Promise<void> {
    const columns = table.columns.filter((column) => column.name in row.values);
    const same =
      this.table === table &&
      columns.length === this.columns.length &&
      columns.every((column, index) => column === this.columns[index]);
    if (!same) await this.flush();
    this.table = table;
    this.columns = columns;
    this.pending.push(row);
    const limit = Math.max(1, Math.min(200, Math.floor(8000 / Math.max(1, columns.length))));
    if (this.pending.length >= limit) await this.flush();
  }

  async flush(): Promise<void> {
    const rows = this.pending;
    const table = this.table;
    this.pending = [];
    if (rows.length === 0 || !table) return;
    try {
      await this.insert(table, rows);
      this.count(table.name, rows.length);
    } catch (error) {
      if (rows.length === 1) {
        this.report({table: table.name, row: rows[0]!.number, line: rows[0]!.line, ...refusal(error, table.name)});
        return;
      }
      for (const row of rows) {
        try {
          await this.insert(table, [row]);
          this.count(table.name, 1);
        } catch (single) {
          this.report({table: table.name, row: row.number, line: row.line, ...refusal(single, table.name)});
        }
      }
    }
  }

  private count(table: string, rows: number): void {
    this.inserted.set(table, (this.inserted.get(table) ?? 0) + rows);
  }

  private async insert(table: TransferTable, rows: FileRow[]): Promise<void> {
    const names = this.columns.map((column) => quoteIdentifier(this.engine, column.name)).join(', ');
    const placeholders = `(${this.columns.map(() => '?').join(', ')})`;
    const parameters = rows.flatMap((row) =>
      this.columns.map((column) => parameter(row.values[column.name], column, this.format)),
    );
    await this.manager.query(
      `INSERT INTO ${quoteIdentifier(this.engine, table.name)} (${names}) VALUES ${rows.map(() => placeholders).join(', ')}`,
      parameters,
    );
  }
}
