import {invalidInput, type ListQuery, type ListResult} from '@systemprompt/core';
import type {ObjectLiteral, SelectQueryBuilder} from 'typeorm';
import type {Engine} from './connection.js';

/** A row of a list query: an entity or a raw row. */
export type ListRow = ObjectLiteral;

/** A query over a module's tables that a list is read from (TypeORM's SelectQueryBuilder). */
export type ListBuilder<T extends ListRow = ListRow> = SelectQueryBuilder<T>;

/**
 * How a field of a list compares. `text` (the default): --filter matches the exact value (case
 * included; an empty value matches a missing one), --sort is case-insensitive with lower case first
 * among equals. `number`: --filter takes the number as written (`7`, not `07`), --sort is numeric.
 * `time`: an ISO date or time, text whose stored order is already its order (sorted as stored,
 * which an index can serve). `list`: a JSON array of strings; --filter matches one element,
 * --search and --sort see the elements joined with commas.
 */
export type ListFieldKind = 'text' | 'number' | 'time' | 'list';

export interface ListField {
  /** SQL over the builder's aliases: a column (`a.actor`) or an expression. Written by the service, never from input. */
  sql: string | ((engine: Engine) => string);
  kind?: ListFieldKind;
}

/**
 * What a list offers: the fields that --filter and --sort take (any other is exit 2, as
 * `parseListQuery` says), the fields --search looks in, and the order of the rows before --sort
 * (which also orders rows that --sort finds equal; each field sorts as its kind says). Named
 * parameters the field SQL uses go in `parameters`.
 */
export interface ListPlan {
  fields: Readonly<Record<string, string | ListField>>;
  searchable: readonly string[];
  order: ReadonlyArray<readonly [field: string, direction: 'asc' | 'desc']>;
  parameters?: Record<string, unknown>;
}

/** Every row on one page: for callers inside a service that want the whole list. */
export const WHOLE_LIST: ListQuery = Object.freeze({
  page: 1,
  limit: null,
  filters: [],
  search: undefined,
  sort: undefined,
  order: 'asc',
});

const engineOf = (builder: ListBuilder): Engine =>
  ['mysql', 'mariadb'].includes(builder.connection.options.type) ? 'mysql' : 'sqlite';

/** Printable ASCII punctuation in the order of the Unicode collation that localeCompare uses: all of it before digits and letters. */
const PUNCTUATION_ORDER = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$';

/**
 * SQL that compares alike on both engines. MySQL/MariaDB compare text by the column's collation
 * (case- and accent-insensitive, trailing spaces ignored); lists compare by code point, as SQLite
 * does, so both engines give the same rows in the same order.
 */
class Dialect {
  constructor(readonly engine: Engine) {}

  /** Code-point comparison, for LIKE. */
  binary(sql: string): string {
    return this.engine === 'mysql' ? `${sql} COLLATE utf8mb4_bin` : sql;
  }

  /** Code-point order, for ORDER BY: bytes on MySQL, whose binary collation ignores trailing spaces (PAD SPACE). */
  bytes(sql: string): string {
    return this.engine === 'mysql' ? `CAST(${sql} AS BINARY)` : sql;
  }

  /** `sql` equals the parameter exactly (the plain `=` first, so an index still serves it). */
  equals(sql: string, parameter: string): string {
    return this.engine === 'mysql'
      ? `(${sql} = :${parameter} AND CAST(${sql} AS BINARY) = CAST(:${parameter} AS BINARY))`
      : `${sql} = :${parameter}`;
  }

  /**
   * The sort key of text: lower case, and ASCII punctuation moved before digits in the order
   * localeCompare gives it, so that printable ASCII sorts exactly as `applyListQuery` sorts it
   * (other characters sort by code point). Each REPLACE maps one character to control code 1, 2, ...;
   * space and '!' go before codes 32 and 33 are made, so nothing is mapped twice.
   */
  sortKey(sql: string): string {
    const character = (code: number) =>
      this.engine === 'mysql' ? `CHAR(${code} USING utf8mb4) COLLATE utf8mb4_bin` : `char(${code})`;
    let key = this.binary(`LOWER(${sql})`);
    [...PUNCTUATION_ORDER].forEach((punctuation, index) => {
      key = `REPLACE(${key}, ${character(punctuation.charCodeAt(0))}, ${character(index + 1)})`;
    });
    return this.bytes(key);
  }

  /**
   * A JSON array of strings (`["a","b"]`) as its elements joined with commas (`a,b`): what is between
   * the outer `["` and `"]`, with `","` made `,`. Exact for strings without quotes or backslashes.
   */
  joinedList(sql: string): string {
    const length = this.engine === 'mysql' ? 'CHAR_LENGTH' : 'LENGTH';
    return `(CASE WHEN ${sql} = '[]' THEN '' ELSE REPLACE(SUBSTR(${sql}, 3, ${length}(${sql}) - 4), '","', ',') END)`;
  }

  /** `sql` contains the parameter, case included. */
  contains(sql: string, parameter: string): string {
    return this.engine === 'mysql'
      ? `LOCATE(CAST(:${parameter} AS BINARY), CAST(${sql} AS BINARY)) > 0`
      : `instr(${sql}, :${parameter}) > 0`;
  }
}

/** LIKE's wildcards escaped with '!', which means the same on SQLite and MySQL. */
const likePattern = (text: string) => `%${text.replace(/[!%_]/g, (character) => `!${character}`)}%`;

const CANONICAL_INTEGER = /^(0|-?[1-9]\d{0,14})$/;

function unknownField(field: string, flag: string, fields: readonly string[]): Error {
  return invalidInput(`--${flag} ${field}: unknown field`, {
    code: 'LIST_FIELD_UNKNOWN',
    hint: `Use one of: ${fields.join(', ')}.`,
    details: {field, allowed: fields},
  });
}

/**
 * One page of a list, filtered, searched, counted, sorted and paged in the database, as
 * `applyListQuery` does in memory: the same matches, the same total, the same order (rows that
 * sort alike stay in the plan's order). `builder` holds what the service restricts the list to
 * (its permission already checked); `read` fetches the page (entities by default, or raw rows).
 * Every value from the query goes in as a parameter.
 */
export function queryList<T extends ObjectLiteral>(
  builder: ListBuilder<T>,
  query: ListQuery,
  plan: ListPlan,
): Promise<ListResult<T>>;
export function queryList<T extends ObjectLiteral, R>(
  builder: ListBuilder<T>,
  query: ListQuery,
  plan: ListPlan,
  read: (page: ListBuilder<T>) => Promise<R[]>,
): Promise<ListResult<R>>;
export async function queryList<T extends ObjectLiteral>(
  builder: ListBuilder<T>,
  query: ListQuery,
  plan: ListPlan,
  read: (page: ListBuilder<T>) => Promise<unknown[]> = (page) => page.getMany(),
): Promise<ListResult<unknown>> {
  const dialect = new Dialect(engineOf(builder));
  const names = Object.keys(plan.fields);
  const field = (name: string, flag: string) => {
    const spec = plan.fields[name];
    if (spec === undefined) throw unknownField(name, flag, names);
    const {sql, kind = 'text'} = typeof spec === 'string' ? {sql: spec} : spec;
    return {sql: typeof sql === 'string' ? sql : sql(dialect.engine), kind};
  };
  /** The field as text, as `applyListQuery` reads it for --search. */
  const text = ({sql, kind}: ReturnType<typeof field>) =>
    kind === 'number' ? `CAST(${sql} AS CHAR)` : kind === 'list' ? dialect.joinedList(sql) : sql;

  if (plan.parameters) builder.setParameters(plan.parameters);
  query.filters.forEach(({field: name, value}, index) => {
    const {sql, kind} = field(name, 'filter');
    const parameter = `listFilter${index}`;
    if (kind === 'list') {
      // One element: its JSON string between '[' or ',' and ',' or ']'.
      const element = JSON.stringify(value);
      const needles = [`[${element}]`, `[${element},`, `,${element}]`, `,${element},`];
      const matches = needles.map((_, n) => dialect.contains(sql, `${parameter}_${n}`));
      if (value === '') matches.push(`${sql} IS NULL`);
      builder.andWhere(
        `(${matches.join(' OR ')})`,
        Object.fromEntries(needles.map((needle, n) => [`${parameter}_${n}`, needle])),
      );
    } else if (value === '') {
      builder.andWhere(kind === 'text' ? `(${sql} IS NULL OR ${sql} = '')` : `${sql} IS NULL`);
    } else if (kind === 'number') {
      builder.andWhere(CANONICAL_INTEGER.test(value) ? `${sql} = :${parameter}` : '1 = 0', {
        [parameter]: Number(value),
      });
    } else {
      builder.andWhere(dialect.equals(sql, parameter), {[parameter]: value});
    }
  });
  if (query.search) {
    const searched = plan.searchable.map(
      (name) => `${dialect.binary(`LOWER(${text(field(name, 'search'))})`)} LIKE :listSearch ESCAPE '!'`,
    );
    builder.andWhere(`(${searched.join(' OR ')})`, {listSearch: likePattern(query.search.toLowerCase())});
  }

  // COUNT(*) rather than TypeORM's getCount (COUNT(DISTINCT id)), which costs a temporary index on large tables.
  const counted = await builder.clone().orderBy().select('COUNT(*)', 'total').getRawOne<{total: number | string}>();
  const total = Number(counted?.total ?? 0);
  const offset = query.limit === null ? 0 : (query.page - 1) * query.limit;
  if (total === 0 || (query.limit !== null && offset >= total))
    return {items: [], total, page: query.page, limit: query.limit};

  const order: Array<readonly [string, 'asc' | 'desc']> = [
    ...(query.sort ? [[query.sort, query.order] as const] : []),
    ...plan.order.filter(([name]) => name !== query.sort),
  ];
  builder.orderBy();
  for (const [name, direction] of order) {
    const resolved = field(name, 'sort');
    const upper = direction === 'desc' ? 'DESC' : 'ASC';
    if (resolved.kind === 'number' || resolved.kind === 'time') {
      builder.addOrderBy(resolved.sql, upper);
      continue;
    }
    // As localeCompare: case-insensitive first, then lower case first among equals; then the plan's order.
    const value = text(resolved);
    builder
      .addOrderBy(dialect.sortKey(value), upper)
      .addOrderBy(dialect.bytes(value), upper === 'ASC' ? 'DESC' : 'ASC');
  }
  if (query.limit !== null) builder.offset(offset).limit(query.limit);
  return {items: await read(builder), total, page: query.page, limit: query.limit};
}
