import {invalidInput} from '../errors.js';

export interface ListQuery {
  page: number;
  /** Rows per page; null for all. */
  limit: number | null;
  filters: Array<{field: string; value: string}>;
  search: string | undefined;
  sort: string | undefined;
  order: 'asc' | 'desc';
}

/** One page of a list, with the total number of matching rows. */
export interface ListResult<T> {
  items: T[];
  total: number;
  page: number;
  limit: number | null;
}

export interface ListSpec {
  /** Fields that --sort and --filter accept; anything else is rejected with the allowed names. */
  fields: readonly string[];
  /** Fields that --search looks in (default: all fields). */
  searchable?: readonly string[];
  defaultLimit?: number | null;
  defaultSort?: string;
}

export interface ListFlagValues {
  page?: number;
  limit?: number;
  filter?: string[];
  search?: string;
  sort?: string;
  order?: 'asc' | 'desc';
}

/** Checks list flags against the fields a list really has (so sorting by unknown columns is exit 2). */
export function parseListQuery(flags: ListFlagValues, spec: ListSpec): ListQuery {
  const allowed = (field: string, flag: string) => {
    if (!spec.fields.includes(field)) {
      throw invalidInput(`--${flag} ${field}: unknown field`, {
        code: 'LIST_FIELD_UNKNOWN',
        hint: `Use one of: ${spec.fields.join(', ')}.`,
        details: {field, allowed: spec.fields},
      });
    }
  };
  const filters = (flags.filter ?? []).map((expression) => {
    const index = expression.indexOf('=');
    if (index <= 0) throw invalidInput(`--filter ${expression}: expected FIELD=VALUE`, {code: 'LIST_FILTER_INVALID'});
    const field = expression.slice(0, index).trim();
    allowed(field, 'filter');
    return {field, value: expression.slice(index + 1)};
  });
  const sort = flags.sort ?? spec.defaultSort;
  if (sort !== undefined) allowed(sort, 'sort');
  const limit =
    flags.limit === undefined
      ? spec.defaultLimit === undefined
        ? 50
        : spec.defaultLimit
      : flags.limit === 0
        ? null
        : flags.limit;
  return {page: flags.page ?? 1, limit, filters, search: flags.search || undefined, sort, order: flags.order ?? 'asc'};
}

const text = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : Array.isArray(value)
      ? value.map(text).join(',')
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  return text(a).localeCompare(text(b));
}

/** Applies a query to rows held in memory (database-backed lists do the same in SQL). */
export function applyListQuery<T extends object>(
  rows: readonly T[],
  query: ListQuery,
  spec: Pick<ListSpec, 'searchable'> = {},
): ListResult<T> {
  const field = (row: T, name: string) => (row as Record<string, unknown>)[name];
  let matched = rows.filter((row) =>
    query.filters.every(({field: name, value}) => {
      const actual = field(row, name);
      return Array.isArray(actual) ? actual.map(text).includes(value) : text(actual) === value;
    }),
  );
  if (query.search) {
    const needle = query.search.toLowerCase();
    matched = matched.filter((row) => {
      const names = spec.searchable ?? Object.keys(row);
      return names.some((name) => text(field(row, name)).toLowerCase().includes(needle));
    });
  }
  if (query.sort) {
    const direction = query.order === 'desc' ? -1 : 1;
    const sort = query.sort;
    matched = [...matched].sort((a, b) => direction * compare(field(a, sort), field(b, sort)));
  }
  const start = query.limit === null ? 0 : (query.page - 1) * query.limit;
  const items = query.limit === null ? matched : matched.slice(start, start + query.limit);
  return {items, total: matched.length, page: query.page, limit: query.limit};
}

export function isListResult(value: unknown): value is ListResult<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as ListResult<unknown>).items) &&
    typeof (value as ListResult<unknown>).total === 'number'
  );
}
