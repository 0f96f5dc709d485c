import {createHash} from 'node:crypto';
import type {DataSource, EntityManager} from 'typeorm';
import type {Engine} from '../../connection.js';
import {MIGRATIONS_TABLE} from '../../migrations/runner.js';
import {quoteIdentifier} from '../../sql-identifiers.js';
import {decodeValue} from '../row-values.js';
import {listTables} from '../tables.js';

/** How a column's values are read, checked and compared, whatever the engine calls its type. */
export type ColumnKind = 'integer' | 'float' | 'single' | 'decimal' | 'text' | 'binary' | 'other';

export interface TransferColumn {
  name: string;
  /** The engine's type, lower case, with its length when it has one: varchar(32). */
  type: string;
  kind: ColumnKind;
  nullable: boolean;
  /** Filled in by the engine when left out (a default, or generated). */
  optional: boolean;
  length: number | undefined;
}

export interface TransferTable {
  name: string;
  module: string;
  columns: TransferColumn[];
  primaryKey: string[];
  /** Tables this one references (foreign keys), itself excluded. */
  references: string[];
}

/** Something that runs a statement: a DataSource, or a transaction's manager. */
export type Runner = Pick<DataSource | EntityManager, 'query'>;

export function kindOf(type: string): ColumnKind {
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  if (/^(tiny|small|medium|big)?int(eger)?$|^bool(ean)?$|^bit$/.test(base)) return 'integer';
  if (base === 'float') return 'single';
  if (/^(double( precision)?|real)$/.test(base)) return 'float';
  if (/^(decimal|numeric)$/.test(base)) return 'decimal';
  if (/char|text|^json$|^enum$|^set$|^clob$/.test(base)) return 'text';
  if (/blob|binary/.test(base)) return 'binary';
  return 'other';
}

/**
 * The tables of the database with their columns, primary keys and foreign keys, parents before the
 * tables that reference them (so rows can be inserted in that order). The migrations table is left
 * out: it records the schema, which migrations make on the target, not data.
 */
export async function describeTables(
  dataSource: DataSource,
  engine: Engine,
  moduleNames: readonly string[],
): Promise<TransferTable[]> {
  const listed = (await listTables(dataSource, engine, moduleNames)).filter((table) => table.name !== MIGRATIONS_TABLE);
  const queryRunner = dataSource.createQueryRunner();
  let described;
  try {
    described = await queryRunner.getTables(listed.map((table) => table.name));
  } finally {
    await queryRunner.release();
  }
  const owner = new Map(listed.map((table) => [table.name, table.module]));
  const tables = described.map((table): TransferTable => {
    const name = table.name.includes('.') ? table.name.slice(table.name.lastIndexOf('.') + 1) : table.name;
    return {
      name,
      module: owner.get(name) ?? 'other',
      columns: table.columns.map((column) => ({
        name: column.name,
        type: column.length ? `${column.type}(${column.length})` : column.type,
        kind: kindOf(column.type),
        nullable: column.isNullable,
        optional: column.isNullable || column.isGenerated || (column.default !== undefined && column.default !== null),
        length: column.length && /char/i.test(column.type) ? Number(column.length) : undefined,
      })),
      primaryKey: table.columns.filter((column) => column.isPrimary).map((column) => column.name),
      references: [
        ...new Set(
          table.foreignKeys
            .map((key) => key.referencedTableName.slice(key.referencedTableName.lastIndexOf('.') + 1))
            .filter((referenced) => referenced !== name),
        ),
      ],
    };
  });
  return parentsFirst(tables);
}

/** Orders tables so that each comes after the tables it references (a cycle keeps name order). */
export function parentsFirst(tables: TransferTable[]): TransferTable[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const ordered: TransferTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: TransferTable) => {
    if (state.has(table.name)) return;
    state.set(table.name, 'visiting');
    for (const name of table.references) {
      const parent = byName.get(name);
      if (parent) visit(parent);
    }
    state.set(table.name, 'done');
    ordered.push(table);
  };
  for (const table of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(table);
  return ordered;
}

/**
 * Reads a table page by page in primary-key order (keyset paging: each page starts after the last
 * key of the one before), so no more than one page is ever in memory. A table without a primary key
 * is paged by offset, ordered by all its columns.
 */
export async function* readRows(
  runner: Runner,
  engine: Engine,
  table: TransferTable,
  pageSize = 1000,
): AsyncGenerator<Record<string, unknown>> {
  const columns = table.columns.map((column) => quoteIdentifier(engine, column.name)).join(', ');
  const from = quoteIdentifier(engine, table.name);
  const key = table.primaryKey.map((name) => quoteIdentifier(engine, name));
  if (key.length === 0) {
    const order = table.columns.map((column) => quoteIdentifier(engine, column.name)).join(', ');
    for (let offset = 0; ; offset += pageSize) {
      const rows = await runner.query<Record<string, unknown>[]>(
        `SELECT ${columns} FROM ${from} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${offset}`,
      );
      yield* rows;
      if (rows.length < pageSize) return;
    }
  }
  const order = key.join(', ');
  const after = key.length === 1 ? `${key[0]} > ?` : `(${key.join(', ')}) > (${key.map(() => '?').join(', ')})`;
  let last: unknown[] | undefined;
  for (;;) {
    const rows = await runner.query<Record<string, unknown>[]>(
      `SELECT ${columns} FROM ${from}${last ? ` WHERE ${after}` : ''} ORDER BY ${order} LIMIT ${pageSize}`,
      last ?? [],
    );
    yield* rows;
    if (rows.length < pageSize) return;
    const tail = rows[rows.length - 1]!;
    last = table.primaryKey.map((name) => tail[name]);
  }
}

export async function countRows(runner: Runner, engine: Engine, table: string): Promise<number> {
  const [row] = await runner.query<Array<{n: number | string}>>(
    `SELECT COUNT(*) AS n FROM ${quoteIdentifier(engine, table)}`,
  );
  return Number(row?.n ?? 0);
}

/**
 * A value in the one form both engines give for the same data: integers (and booleans) as decimal
 * digits, FLOAT (single precision on MySQL) to six significant digits, other numbers as JavaScript
 * prints them, binary as hex, text as it is.
 */
export function normalValue(value: unknown, kind: ColumnKind): string | null {
  if (value === null || value === undefined) return null;
  const decoded = decodeValue(value);
  if (Buffer.isBuffer(decoded)) return decoded.toString('hex');
  if (decoded instanceof Date) return decoded.toISOString();
  if (kind === 'integer' && /^-?\d+$/.test(String(decoded))) return BigInt(String(decoded)).toString();
  if ((kind === 'float' || kind === 'single' || kind === 'decimal') && String(decoded).trim() !== '') {
    const number = Number(decoded);
    if (Number.isFinite(number)) return String(kind === 'single' ? Number(number.toPrecision(6)) : number);
  }
  return String(decoded);
}

const MODULUS = 1n << 256n;

/**
 * An order-independent checksum of a table: the sum, modulo 2^256, of the SHA-256 of every row's
 * normalised values (columns by name). The same rows give the same checksum on either engine and in
 * any order, and only one row is held at a time.
 */
export class TableChecksum {
  private sum = 0n;
  rows = 0;

  constructor(private readonly columns: readonly TransferColumn[]) {
    this.columns = [...columns].sort((a, b) => a.name.localeCompare(b.name));
  }

  add(row: Record<string, unknown>): void {
    const values = this.columns.map((column) => normalValue(row[column.name], column.kind));
    const digest = createHash('sha256').update(JSON.stringify(values)).digest('hex');
    this.sum = (this.sum + BigInt(`0x${digest}`)) % MODULUS;
    this.rows++;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}

/** Counts and checksums one table, reading it in pages. */
export async function checksumTable(
  runner: Runner,
  engine: Engine,
  table: TransferTable,
): Promise<{rows: number; checksum: string}> {
  const checksum = new TableChecksum(table.columns);
  for await (const row of readRows(runner, engine, table)) checksum.add(row);
  return {rows: checksum.rows, checksum: checksum.hex};
}
