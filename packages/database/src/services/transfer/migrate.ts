import {SystemPromptError, ExitCode, conflict, invalidInput, silentLogger, type ConfirmStep} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {describeTarget, parseDatabaseUrl, redact} from '../../connection.js';
import {openDataSource} from '../../data-source.js';
import {MIGRATIONS_TABLE, MigrationRunner} from '../../migrations/runner.js';
import {ownMigrations, type DatabaseService} from '../database-service.js';
import {migrationSources} from '../sources.js';
import {listTables} from '../tables.js';
import {RowInserter} from './import.js';
import {checksumTable, countRows, describeTables, readRows} from './tables.js';
import {encodeValue} from '../row-values.js';
import {quoteIdentifier} from '../../sql-identifiers.js';

export interface MigratedTable {
  table: string;
  module: string;
  sourceRows: number;
  targetRows: number;
  checksum: string;
  verified: boolean;
}

export interface MigrateReport {
  source: string;
  /** Where the data went, without the password. */
  target: string;
  engine: string;
  tables: MigratedTable[];
  rows: number;
  /** The line that points this installation at the new database (password redacted). */
  switchWith: string;
}

/**
 * Copies every table of the current database to the one at `url`: opens it (a MySQL database is
 * created when missing), refuses it when any of its tables holds rows unless `force`, migrates it
 * with the installed modules' migrations, empties the rows the migrations seeded, copies every row in
 * one transaction on the target (parents before children), then counts and checksums both sides.
 */
export async function migrateTo(
  database: DatabaseService,
  modules: readonly ModuleRecord[],
  options: {url: string; force?: boolean; confirm?: ConfirmStep},
): Promise<MigrateReport> {
  const target = parseDatabaseUrl(options.url, '');
  if (target.engine === 'sqlite' && !target.file)
    throw invalidInput('--to names no database', {
      code: 'DATABASE_URL_INVALID',
      hint: 'Use mysql://user:password@host:3306/name (or sqlite:///path/file.sqlite).',
    });
  const source = database.location;
  const where = describeTarget(target);
  if (where === source)
    throw invalidInput(`--to is this installation's own database (${where})`, {
      code: 'DATA_MIGRATE_SAME_DATABASE',
      hint: 'Name another database.',
    });
  const names = modules.filter((record) => !record.error).map((record) => record.name);
  const sources = migrationSources(modules);
  const migrations = await database.migrationsOf(sources);
  // The source gets its pending migrations first, as any command would on first use.
  await (await database.runner()).migrate(migrations);
  const sourceData = await database.dataSource();

  const targetData = await openDataSource({
    target,
    poolSize: 2,
    busyTimeoutMs: database.busyTimeoutMs,
    connectTimeoutMs: 5000,
  });
  try {
    const held: string[] = [];
    // The migrations table records the schema, not data: a target migrated ahead of the copy is empty.
    for (const table of await listTables(targetData, target.engine, names))
      if (table.name !== MIGRATIONS_TABLE && (await countRows(targetData, target.engine, table.name)) > 0)
        held.push(table.name);
    if (held.length > 0) {
      if (!options.force)
        throw conflict(
          `${where} already holds data (${held.slice(0, 5).join(', ')}${held.length > 5 ? ', ...' : ''})`,
          {
            code: 'DATA_MIGRATE_TARGET_NOT_EMPTY',
            details: {tables: held},
            hint: 'Name an empty database, or add --force (and --confirm) to replace what it holds.',
          },
        );
      await options.confirm?.(`Replace every row of ${held.length} tables in ${where}?`);
    }
    const runner = new MigrationRunner(targetData, target.engine, silentLogger);
    await runner.ensureTable();
    await runner.migrate(await ownMigrations());
    await runner.migrate(migrations);

    const sourceTables = await describeTables(sourceData, database.engine, names);
    const targetTables = new Map(
      (await describeTables(targetData, target.engine, names)).map((table) => [table.name, table]),
    );
    const missing = sourceTables.filter((table) => !targetTables.has(table.name));
    if (missing.length > 0)
      throw invalidInput(`${where} has no table ${missing.map((table) => table.name).join(', ')} after migrating`, {
        code: 'DATA_MIGRATE_SCHEMA_MISMATCH',
        hint: 'Those tables belong to no installed module; install it, or drop them.',
      });

    await database.transaction(async (sourceManager) => {
      await targetData.transaction(async (targetManager) => {
        for (const table of [...targetTables.values()].reverse())
          await targetManager.query(`DELETE FROM ${quoteIdentifier(target.engine, table.name)}`);
        const failures: string[] = [];
        const inserter = new RowInserter(targetManager, target.engine, 'ndjson', (problem) =>
          failures.push(`${problem.table} row ${problem.row}: ${problem.reason}`),
        );
        for (const table of sourceTables) {
          const into = targetTables.get(table.name)!;
          let number = 0;
          for await (const row of readRows(sourceManager, database.engine, table)) {
            const values: Record<string, unknown> = {};
            for (const column of table.columns) values[column.name] = encodeValue(row[column.name]);
            await inserter.add({table: table.name, number: ++number, line: number, values}, into);
          }
          await inserter.flush();
          if (failures.length > 0)
            throw new SystemPromptError(`${where} refused rows: ${failures.slice(0, 3).join('; ')}`, {
              code: 'DATA_MIGRATE_FAILED',
              exitCode: ExitCode.Unavailable,
              details: {failures: failures.slice(0, 20)},
              hint: 'Nothing was kept on the target; fix the rows named and try again.',
            });
        }
      });
    });

    const tables: MigratedTable[] = [];
    for (const table of sourceTables) {
      const from = await database.read((dataSource) => checksumTable(dataSource, database.engine, table));
      const to = await checksumTable(targetData, target.engine, targetTables.get(table.name)!);
      tables.push({
        table: table.name,
        module: table.module,
        sourceRows: from.rows,
        targetRows: to.rows,
        checksum: from.checksum.slice(0, 16),
        verified: from.rows === to.rows && from.checksum === to.checksum,
      });
    }
    const failed = tables.filter((table) => !table.verified);
    if (failed.length > 0)
      throw new SystemPromptError(
        `The copy in ${where} differs from the source in ${failed.map((table) => table.table).join(', ')}`,
        {
          code: 'DATA_MIGRATE_VERIFY_FAILED',
          exitCode: ExitCode.Unexpected,
          details: {tables: failed},
          hint: 'Keep using this database; report the tables named.',
        },
      );
    return {
      source,
      target: where,
      engine: target.engine,
      tables,
      rows: tables.reduce((sum, table) => sum + table.sourceRows, 0),
      switchWith: `SYSTEMPROMPT_DATABASE_URL=${target.engine === 'mysql' ? redact(options.url) : `sqlite://${target.file}`}`,
    };
  } finally {
    await targetData.destroy();
  }
}
