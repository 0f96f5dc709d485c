import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {silentLogger} from '@systemprompt/core';
import type {DataSource, Table} from 'typeorm';
import type {Engine, MysqlTarget} from '../../connection.js';
import {listTables} from '../tables.js';
import {openDataSource} from '../../data-source.js';
import type {ModuleMigration} from '../../migrations/loader.js';
import {MigrationRunner} from '../../migrations/runner.js';
import type {DatabaseService} from '../database-service.js';
import {quoteMysql} from '../../sql-identifiers.js';

export interface ValidationFinding {
  kind:
    | 'foreign-key'
    | 'missing-table'
    | 'missing-column'
    | 'column-differs'
    | 'missing-index'
    | 'unknown-migration'
    | 'backup-checksum';
  table: string | null;
  detail: string;
}

/** Rows whose foreign key names a row that does not exist (orphans), per constraint. */
export async function foreignKeyFindings(service: DatabaseService): Promise<ValidationFinding[]> {
  const dataSource = await service.dataSource();
  if (service.engine === 'sqlite') {
    const rows =
      await dataSource.query<Array<{table: string; rowid: number | null; parent: string}>>('PRAGMA foreign_key_check');
    const counts = new Map<string, number>();
    for (const row of rows)
      counts.set(`${row.table}\u0000${row.parent}`, (counts.get(`${row.table}\u0000${row.parent}`) ?? 0) + 1);
    return [...counts].map(([key, count]) => {
      const [table = '', parent = ''] = key.split('\u0000');
      return {
        kind: 'foreign-key',
        table,
        detail: `${count} row${count === 1 ? '' : 's'} of ${table} point at missing rows of ${parent}`,
      };
    });
  }
  const constraints = await dataSource.query<
    Array<{
      constraint_name: string;
      table_name: string;
      column_name: string;
      referenced_table_name: string;
      referenced_column_name: string;
    }>
  >(
    `SELECT constraint_name, table_name, column_name, referenced_table_name, referenced_column_name
       FROM information_schema.key_column_usage
      WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL
      ORDER BY table_name, constraint_name, ordinal_position`,
  );
  const byConstraint = new Map<string, typeof constraints>();
  for (const row of constraints) {
    const key = `${row.table_name}.${row.constraint_name}`;
    byConstraint.set(key, [...(byConstraint.get(key) ?? []), row]);
  }
  const findings: ValidationFinding[] = [];
  for (const columns of byConstraint.values()) {
    const first = columns[0]!;
    // Names come from information_schema, quoted; nothing of the user's goes into the statement.
    const join = columns
      .map((column) => `p.${quoteMysql(column.referenced_column_name)} = c.${quoteMysql(column.column_name)}`)
      .join(' AND ');
    const present = columns.map((column) => `c.${quoteMysql(column.column_name)} IS NOT NULL`).join(' AND ');
    const [row] = await dataSource.query<Array<{n: number | string}>>(
      `SELECT COUNT(*) AS n FROM ${quoteMysql(first.table_name)} c WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${quoteMysql(first.referenced_table_name)} p WHERE ${join})`,
    );
    const count = Number(row?.n ?? 0);
    if (count > 0)
      findings.push({
        kind: 'foreign-key',
        table: first.table_name,
        detail: `${count} row${count === 1 ? '' : 's'} of ${first.table_name} point at missing rows of ${first.referenced_table_name} (${first.constraint_name})`,
      });
  }
  return findings;
}

const indexNames = (table: Table) =>
  new Set(
    [
      ...table.indices.map((index) => index.name),
      ...table.uniques.map((unique) => unique.name),
      ...table.foreignKeys.map((key) => key.name),
    ].filter((name): name is string => Boolean(name)),
  );

/** The tables of the DataSource's own database (TypeORM without names would read every schema of a MySQL server). */
async function describe(dataSource: DataSource, engine: Engine): Promise<Table[]> {
  const names = (await listTables(dataSource, engine, [])).map((table) => table.name);
  if (names.length === 0) return [];
  const runner = dataSource.createQueryRunner();
  try {
    return await runner.getTables(names);
  } finally {
    await runner.release();
  }
}

/**
 * Schema drift: the applied migrations are run into a scratch database (a temporary SQLite file, or
 * a scratch MySQL schema, dropped afterwards), and every table, column and index they create there
 * must be in the live database as created.
 */
export async function driftFindings(
  service: DatabaseService,
  applied: readonly ModuleMigration[],
): Promise<ValidationFinding[]> {
  const directory = service.engine === 'sqlite' ? await mkdtemp(join(tmpdir(), 'systemprompt-validate-')) : undefined;
  const scratchTarget =
    service.engine === 'sqlite'
      ? {engine: 'sqlite' as const, file: join(directory!, 'expected.sqlite')}
      : {
          ...(service.target as MysqlTarget),
          database: `${(service.target as MysqlTarget).database.slice(0, 40)}_chk_${randomBytes(4).toString('hex')}`,
        };
  const scratch = await openDataSource({
    target: scratchTarget,
    poolSize: 1,
    busyTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  try {
    const runner = new MigrationRunner(scratch, service.engine, silentLogger);
    await runner.ensureTable();
    await runner.migrate(applied);
    const expected = await describe(scratch, service.engine);
    const live = new Map(
      (await describe(await service.dataSource(), service.engine)).map((table) => [bare(table.name), table]),
    );
    const findings: ValidationFinding[] = [];
    for (const want of expected) {
      const name = bare(want.name);
      const have = live.get(name);
      if (!have) {
        findings.push({kind: 'missing-table', table: name, detail: `table ${name} is missing`});
        continue;
      }
      for (const column of want.columns) {
        const found = have.columns.find((candidate) => candidate.name === column.name);
        if (!found)
          findings.push({kind: 'missing-column', table: name, detail: `column ${name}.${column.name} is missing`});
        else if (found.type !== column.type || found.isNullable !== column.isNullable)
          findings.push({
            kind: 'column-differs',
            table: name,
            detail: `column ${name}.${column.name} is ${found.type}${found.isNullable ? ' null' : ' not null'}, migrations make it ${column.type}${column.isNullable ? ' null' : ' not null'}`,
          });
      }
      const present = indexNames(have);
      for (const index of indexNames(want))
        if (!present.has(index))
          findings.push({kind: 'missing-index', table: name, detail: `index or key ${index} of ${name} is missing`});
    }
    return findings;
  } finally {
    if (scratch.isInitialized) {
      if (service.engine === 'mysql')
        await scratch
          .query(`DROP DATABASE IF EXISTS ${quoteMysql((scratchTarget as MysqlTarget).database)}`)
          .catch(() => undefined);
      await scratch.destroy();
    }
    if (directory) await rm(directory, {recursive: true, force: true});
  }
}

const bare = (name: string) => (name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name);
