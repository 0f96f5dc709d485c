import {invalidInput, notFound, type AccessProvider, type Actor, type ConfirmStep} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import type {EntityManager} from 'typeorm';
import {DATABASE_PERMISSIONS, type DatabaseService} from '../database-service.js';
import {
  ExportWriter,
  FORMAT_NAME,
  FORMAT_VERSION,
  headerTable,
  openImportFile,
  type ExportFormat,
  type ExportHeader,
} from './format.js';
import {MAX_PROBLEMS, RowInserter, checkRow, matchTables, type ImportProblem} from './import.js';
import {migrateTo, type MigrateReport} from './migrate.js';
import {countRows, describeTables, readRows, type TransferTable} from './tables.js';
import {encodeValue} from '../row-values.js';
import {quoteIdentifier} from '../../sql-identifiers.js';

export type {MigrateReport, MigratedTable} from './migrate.js';
export type {ImportProblem} from './import.js';
export type {ExportFormat} from './format.js';

export interface ExportSummary {
  format: ExportFormat;
  engine: string;
  tables: Array<{table: string; module: string; rows: number}>;
  rows: number;
}

export interface ImportReport {
  file: string;
  format: ExportFormat;
  dryRun: boolean;
  replaced: boolean;
  /** Rows written per table (none are kept when any row failed, or with --dry-run). */
  tables: Array<{table: string; rows: number}>;
  rows: number;
  /** The refused rows (at most MAX_PROBLEMS of them); problemCount counts all. */
  problems: ImportProblem[];
  problemCount: number;
}

/** Thrown inside the import transaction to roll it back (a refused row, or --dry-run). */
class RollBack extends Error {}

const moduleVersions = (modules: readonly ModuleRecord[]) =>
  Object.fromEntries(
    modules
      .filter((record) => !record.error)
      .map((record) => [record.name, record.version] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

const loadedNames = (modules: readonly ModuleRecord[]) =>
  modules.filter((record) => !record.error).map((record) => record.name);

/**
 * data:export, data:import and data:migrate: the rows of every table, streamed page by page, as
 * they are stored (encrypted columns stay encrypted). Reading every row is what database:query
 * allows (password hashes and secrets included), so export needs database:query; import and
 * migrate change data and need database:write too. Each is audited.
 */
export class TransferService {
  constructor(
    private readonly database: DatabaseService,
    private readonly access: () => Promise<AccessProvider>,
  ) {}

  /** Writes the rows of every table (or a module's, or one table) through `write`, one snapshot. */
  async exportData(
    actor: Actor,
    modules: readonly ModuleRecord[],
    options: {module?: string; table?: string; format: ExportFormat; write: (text: string) => Promise<void>},
  ): Promise<ExportSummary> {
    const access = await this.access();
    await access.authorize(actor, DATABASE_PERMISSIONS.query, 'data.export', options.table ?? options.module);
    const engine = this.database.engine;
    const dataSource = await this.database.dataSource();
    const tables = selectTables(
      await describeTables(dataSource, engine, loadedNames(modules)),
      options.module,
      options.table,
    );
    if (options.format === 'csv' && tables.length !== 1)
      throw invalidInput(`A CSV export holds one table; this selection has ${tables.length}`, {
        code: 'DATA_EXPORT_CSV_ONE_TABLE',
        hint: 'Name the table with --table, or use --format ndjson.',
      });
    const summary = await this.database.transaction(async (manager) => {
      const counts = new Map<string, number>();
      for (const table of tables) counts.set(table.name, await countRows(manager, engine, table.name));
      const header: ExportHeader = {
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        engine,
        exportedAt: new Date().toISOString(),
        modules: moduleVersions(modules),
        tables: tables.map((table) => headerTable(table, counts.get(table.name) ?? 0)),
      };
      const writer = new ExportWriter(options.format, header, options.write);
      await writer.start();
      const written: ExportSummary['tables'] = [];
      for (const table of tables) {
        await writer.startTable(table.name);
        let rows = 0;
        for await (const row of readRows(manager, engine, table)) {
          const encoded: Record<string, unknown> = {};
          for (const column of table.columns) encoded[column.name] = encodeValue(row[column.name]);
          await writer.row(encoded);
          rows++;
        }
        written.push({table: table.name, module: table.module, rows});
      }
      await writer.end();
      return {format: options.format, engine, tables: written, rows: written.reduce((sum, t) => sum + t.rows, 0)};
    });
    await this.audit(actor, {
      action: 'data.export',
      target: options.table ?? options.module ?? null,
      result: 'ok',
      permission: DATABASE_PERMISSIONS.query,
      details: {format: options.format, tables: summary.tables.length, rows: summary.rows},
    });
    return summary;
  }

  /**
   * Imports an export file in one transaction: every row is checked against the live schema (unknown
   * tables and columns, types, NOT NULL) and the engine's keys (unique, foreign); any refused row
   * rolls everything back and the report names each (table, row, column, reason). `replace` empties
   * the file's tables first, in the same transaction; `dryRun` checks everything and keeps nothing.
   */
  async importData(
    actor: Actor,
    modules: readonly ModuleRecord[],
    options: {file: string; dryRun?: boolean; replace?: boolean; confirm?: ConfirmStep},
  ): Promise<ImportReport> {
    const access = await this.access();
    await access.authorize(actor, DATABASE_PERMISSIONS.query, 'data.import', options.file);
    await access.authorize(actor, DATABASE_PERMISSIONS.write, 'data.import', options.file);
    const engine = this.database.engine;
    const dataSource = await this.database.dataSource();
    const live = await describeTables(dataSource, engine, loadedNames(modules));
    const input = await openImportFile(options.file);
    const dryRun = Boolean(options.dryRun);
    const problems: ImportProblem[] = [];
    let problemCount = 0;
    const report = (problem: ImportProblem) => {
      problemCount++;
      if (problems.length < MAX_PROBLEMS) problems.push(problem);
    };
    let inserted = new Map<string, number>();
    try {
      const matched = matchTables(input.header, live);
      const fileTables = [...matched.values()];
      if (options.replace && !dryRun)
        await options.confirm?.(
          `Replace every row of ${fileTables.length} table${fileTables.length === 1 ? '' : 's'} (${fileTables.map((table) => table.name).join(', ')}) with the rows of ${options.file}?`,
        );
      await this.database
        .transaction(async (manager: EntityManager) => {
          if (options.replace)
            for (const table of live.filter((table) => matched.has(table.name)).reverse()) {
              try {
                await manager.query(`DELETE FROM ${quoteIdentifier(engine, table.name)}`);
              } catch (error) {
                report({
                  table: table.name,
                  row: null,
                  line: null,
                  column: null,
                  reason: `cannot be emptied: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]} (rows of a table not in the file refer to it)`,
                });
                throw new RollBack();
              }
            }
          const inserter = new RowInserter(manager, engine, input.format, report);
          const seen = new Map<string, number>();
          for await (const row of input.rows) {
            seen.set(row.table, row.number);
            const table = matched.get(row.table);
            if (!table) {
              report({
                table: row.table,
                row: row.number,
                line: row.line,
                column: null,
                reason: 'table not in the header',
              });
              continue;
            }
            const rowProblems = checkRow(row, table);
            if (rowProblems.length > 0) rowProblems.forEach(report);
            else await inserter.add(row, table);
          }
          await inserter.flush();
          inserted = inserter.inserted;
          for (const table of input.header.tables)
            if ((seen.get(table.name) ?? 0) !== table.rows)
              report({
                table: table.name,
                row: null,
                line: null,
                column: null,
                reason: `the file holds ${seen.get(table.name) ?? 0} rows, its header says ${table.rows} (a cut file?)`,
              });
          if (problemCount > 0 || dryRun) throw new RollBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RollBack)) throw error;
        });
    } finally {
      input.close();
    }
    const tables = input.header.tables.map((table) => ({table: table.name, rows: inserted.get(table.name) ?? 0}));
    const result: ImportReport = {
      file: options.file,
      format: input.format,
      dryRun,
      replaced: Boolean(options.replace),
      tables,
      rows: tables.reduce((sum, table) => sum + table.rows, 0),
      problems,
      problemCount,
    };
    if (!dryRun)
      await this.audit(actor, {
        action: 'data.import',
        target: options.file,
        result: problemCount > 0 ? 'failed' : 'ok',
        permission: DATABASE_PERMISSIONS.write,
        details: {format: input.format, replace: result.replaced, rows: result.rows, problems: problemCount},
      });
    return result;
  }

  /**
   * Copies every table to another database (data:migrate --to URL): migrates the target with the same
   * modules' migrations, refuses a target that holds data unless `force`, copies in one transaction
   * on the target, and verifies row counts and checksums per table.
   */
  async migrate(
    actor: Actor,
    modules: readonly ModuleRecord[],
    options: {url: string; force?: boolean; confirm?: ConfirmStep},
  ): Promise<MigrateReport> {
    const access = await this.access();
    await access.authorize(actor, DATABASE_PERMISSIONS.query, 'data.migrate');
    await access.authorize(actor, DATABASE_PERMISSIONS.write, 'data.migrate');
    try {
      const result = await migrateTo(this.database, modules, options);
      await this.audit(actor, {
        action: 'data.migrate',
        target: result.target,
        result: 'ok',
        permission: DATABASE_PERMISSIONS.write,
        details: {tables: result.tables.length, rows: result.rows},
      });
      return result;
    } catch (error) {
      await this.audit(actor, {
        action: 'data.migrate',
        result: 'failed',
        permission: DATABASE_PERMISSIONS.write,
        details: {error: (error as {code?: string}).code ?? 'UNEXPECTED'},
      });
      throw error;
    }
  }

  private async audit(actor: Actor, entry: Parameters<AccessProvider['record']>[1]): Promise<void> {
    try {
      await (await this.access()).record(actor, entry);
    } catch {
      // The transfer itself is done; a missing audit table (a bare installation) must not undo it.
    }
  }
}

/** The tables of one module, or one table; unknown names are exit 3. */
export function selectTables(tables: TransferTable[], module?: string, table?: string): TransferTable[] {
  let selected = tables;
  if (module) {
    selected = selected.filter((item) => item.module === module);
    if (selected.length === 0)
      throw notFound(`No tables of module "${module}"`, {
        code: 'DATA_TABLE_NOT_FOUND',
        hint: 'See database:schema for the tables of each module.',
      });
  }
  if (table) {
    selected = selected.filter((item) => item.name === table);
    if (selected.length === 0)
      throw notFound(`No table "${table}"${module ? ` in module "${module}"` : ''}`, {
        code: 'DATA_TABLE_NOT_FOUND',
        hint: 'See database:schema for the tables of each module.',
      });
  }
  return selected;
}
