import type {SystemPromptError} from '../errors.js';
import {isListResult, type ListResult} from './list.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

/** Raw text for the terminal (Markdown, help) with structured data for JSON/YAML consumers. */
export interface TextResult {
  $text: string;
  data?: unknown;
}

export const textResult = (text: string, data?: unknown): TextResult =>
  data === undefined ? {$text: text} : {$text: text, data};

export function isTextResult(value: unknown): value is TextResult {
  return typeof value === 'object' && value !== null && typeof (value as TextResult).$text === 'string';
}

/** The one envelope of every command's JSON/YAML output. */
export interface SuccessEnvelope {
  ok: true;
  data: unknown;
  meta?: {total: number; page: number; limit: number | null; count: number} & Record<string, unknown>;
  warnings?: string[];
}

export interface ErrorEnvelope {
  ok: false;
  error: {code: string; message: string; hint?: string; details?: Record<string, unknown>};
  warnings?: string[];
}

export function successEnvelope(
  result: unknown,
  warnings: string[],
  meta: Record<string, unknown> = {},
): SuccessEnvelope {
  const envelope: SuccessEnvelope = {ok: true, data: null};
  if (isListResult(result)) {
    envelope.data = result.items;
    envelope.meta = {total: result.total, page: result.page, limit: result.limit, count: result.items.length, ...meta};
  } else {
    envelope.data = isTextResult(result) ? (result.data ?? result.$text) : (result ?? null);
    if (Object.keys(meta).length > 0) envelope.meta = meta as SuccessEnvelope['meta'];
  }
  if (warnings.length > 0) envelope.warnings = warnings;
  return envelope;
}

export function errorEnvelope(error: SystemPromptError, warnings: string[]): ErrorEnvelope {
  const envelope: ErrorEnvelope = {ok: false, error: {code: error.code, message: error.message}};
  if (error.hint) envelope.error.hint = error.hint;
  if (error.details && Object.keys(error.details).length > 0) envelope.error.details = error.details;
  if (warnings.length > 0) envelope.warnings = warnings;
  return envelope;
}

export async function serialize(envelope: SuccessEnvelope | ErrorEnvelope, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(envelope, null, 2)}\n`;
  const {stringify} = await import('yaml');
  return stringify(envelope);
}

/** A cell as one line of text: lists joined, objects as compact JSON, nothing for null. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s*\n\s*/g, ' ');
}

export interface TableOptions {
  columns?: readonly string[];
  /** Terminal width; the widest column is shortened to fit. */
  width?: number;
  /** Whether the command has --page (else a cut list points to --limit). Default true. */
  pageable?: boolean;
}

const header = (name: string) =>
  name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]/g, ' ')
    .toUpperCase();

/** The width of each column: its header or its widest cell. */
export function columnWidths(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): number[] {
  return columns.map((column) => Math.max(header(column).length, ...rows.map((row) => cell(row[column]).length)));
}

/** One row of a table that keeps growing (--follow), aligned to `widths`; the last column is never padded. */
export function renderRow(row: Record<string, unknown>, columns: readonly string[], widths: readonly number[]): string {
  return `${columns
    .map((column, index) =>
      index === columns.length - 1 ? cell(row[column]) : cell(row[column]).padEnd(widths[index] ?? 0),
    )
    .join('  ')
    .trimEnd()}\n`;
}

/** Plain aligned columns, no borders: easy to read and to pipe into grep/awk. */
export function renderTable(rows: ReadonlyArray<Record<string, unknown>>, options: TableOptions = {}): string {
  if (rows.length === 0) return '';
  const columns = options.columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [columns.map(header), ...rows.map((row) => columns.map((column) => cell(row[column])))];
  const widths = columns.map((_, index) => Math.max(...lines.map((line) => line[index]!.length)));
  if (options.width) {
    const gap = 2 * (columns.length - 1);
    let overflow = widths.reduce((sum, width) => sum + width, gap) - options.width;
    while (overflow > 0) {
      const widest = widths.indexOf(Math.max(...widths));
      if (widths[widest]! <= 12) break;
      const cut = Math.min(overflow, widths[widest]! - 12);
      widths[widest]! -= cut;
      overflow -= cut;
    }
  }
  const fit = (text: string, width: number) =>
    text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
  return (
    lines
      .map((line) =>
        line
          .map((text, index) => fit(text, widths[index]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A record as `key  value` lines; nested objects are flattened with dots. */
export function renderRecord(record: Record<string, unknown>): string {
  if (Object.keys(record).length === 0) return '';
  const entries: Array<[string, string]> = [];
  const walk = (value: unknown, prefix: string) => {
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !(value instanceof Date) &&
      Object.keys(value).length > 0
    ) {
      for (const [key, inner] of Object.entries(value)) walk(inner, prefix ? `${prefix}.${key}` : key);
    } else entries.push([prefix, cell(value)]);
  };
  walk(record, '');
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${value}`.trimEnd()).join('\n') + '\n';
}

/** Human output of a command result; a list's paging summary goes to `notes` (standard error). */
export function renderHuman(result: unknown, options: TableOptions = {}): {text: string; notes: string[]} {
  if (result === undefined || result === null) return {text: '', notes: []};
  if (isTextResult(result))
    return {text: result.$text.endsWith('\n') || result.$text === '' ? result.$text : `${result.$text}\n`, notes: []};
  if (isListResult(result)) return renderList(result, options);
  if (Array.isArray(result)) {
    if (result.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
      return {text: renderTable(result as Array<Record<string, unknown>>, options), notes: []};
    }
    return {text: result.map(cell).join('\n') + (result.length > 0 ? '\n' : ''), notes: []};
  }
  if (typeof result === 'object') return {text: renderRecord(result as Record<string, unknown>), notes: []};
  return {text: `${cell(result)}\n`, notes: []};
}

function renderList(result: ListResult<unknown>, options: TableOptions): {text: string; notes: string[]} {
  const notes: string[] = [];
  if (result.items.length === 0)
    notes.push(result.total === 0 ? 'No results.' : `No results on page ${result.page} (${result.total} in all).`);
  else if (result.items.length < result.total) {
    const first = result.limit === null ? 1 : (result.page - 1) * result.limit + 1;
    const last = first + result.items.length - 1;
    const more =
      options.pageable === false ? '; raise --limit (0 for all) for more' : `; use --page ${result.page + 1} for more`;
    notes.push(`Showing ${first}-${last} of ${result.total}${last < result.total ? more : ''}.`);
  }
  return {text: renderTable(result.items as Array<Record<string, unknown>>, options), notes};
}
