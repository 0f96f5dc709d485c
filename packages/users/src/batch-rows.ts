import {invalidInput, type BatchRow} from '@systemprompt/core';

/** How a --batch row field is read: text, a list (an array, or one string separated by commas, semicolons or spaces in CSV), or a whole number. */
export type RowFieldKind = 'string' | 'list' | 'integer';

type Value<K extends RowFieldKind> = K extends 'list' ? string[] : K extends 'integer' ? number : string;
export type RowValues<S extends Record<string, RowFieldKind>> = {[F in keyof S]?: Value<S[F]>};

/**
 * The fields of one --batch row, checked against what the command takes. An unknown field is an
 * error of the row (a typo such as "emial" must not be dropped silently); empty values (a blank
 * CSV cell, null) count as absent.
 */
export function rowValues<S extends Record<string, RowFieldKind>>(row: BatchRow, spec: S): RowValues<S> {
  const values: Record<string, unknown> = {};
  for (const [field, raw] of Object.entries(row)) {
    const kind = spec[field];
    if (!kind)
      throw invalidInput(`Unknown field "${field}" in the row (the fields are: ${Object.keys(spec).join(', ')})`, {
        code: 'BATCH_FIELD_UNKNOWN',
        details: {field},
      });
    if (raw === null || raw === undefined || raw === '') continue;
    values[field] = read(field, kind, raw);
  }
  return values as RowValues<S>;
}

function read(field: string, kind: RowFieldKind, raw: unknown): string | string[] | number {
  if (kind === 'list') {
    if (Array.isArray(raw)) return raw.map((item) => scalar(field, item));
    return scalar(field, raw)
      .split(/[\s,;]+/)
      .filter(Boolean);
  }
  if (kind === 'integer') {
    const number = typeof raw === 'number' ? raw : /^\s*-?\d+\s*$/.test(String(raw)) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(number))
      throw invalidInput(`Field "${field}" must be a whole number`, {code: 'BATCH_FIELD_INVALID', details: {field}});
    return number;
  }
  return scalar(field, raw);
}

function scalar(field: string, raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw invalidInput(`Field "${field}" must be text`, {code: 'BATCH_FIELD_INVALID', details: {field}});
}

/** Answers a confirmation once for a whole batch: the first row that needs it asks, the others reuse the answer. */
export function confirmOnce(
  confirm: ((question: string) => Promise<void>) | undefined,
): ((question: string) => Promise<void>) | undefined {
  if (!confirm) return undefined;
  let answer: Promise<void> | undefined;
  return (question) => {
    answer ??= confirm(question);
    return answer;
  };
}
