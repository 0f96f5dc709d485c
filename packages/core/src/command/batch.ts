import {readFile} from 'node:fs/promises';
import {extname} from 'node:path';
import {invalidInput, toSystemPromptError, type SystemPromptError} from '../errors.js';

export type BatchRow = Record<string, unknown>;

export interface BatchItemResult<T> {
  index: number;
  ok: boolean;
  data?: T;
  error?: {code: string; message: string; exitCode: number};
}

export interface BatchResult<T> {
  total: number;
  succeeded: number;
  failed: number;
  results: Array<BatchItemResult<T>>;
}

/** Rows of an NDJSON (.ndjson/.jsonl), JSON array, YAML (.yaml/.yml) or CSV (.csv, with a header) file. */
export async function readBatchFile(file: string): Promise<BatchRow[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw invalidInput(`Cannot read batch file ${file}`, {code: 'BATCH_UNREADABLE'});
  }
  const kind = extname(file).toLowerCase();
  const rows = await parseRows(text, kind, file);
  rows.forEach((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw invalidInput(`${file}: row ${index + 1} is not an object`, {code: 'BATCH_INVALID'});
  });
  return rows as BatchRow[];
}

async function parseRows(text: string, kind: string, file: string): Promise<unknown[]> {
  try {
    if (kind === '.csv') {
      const {parse} = await import('csv-parse/sync');
      return parse<unknown>(text, {columns: true, skip_empty_lines: true, trim: true});
    }
    if (kind === '.yaml' || kind === '.yml') {
      const {parse} = await import('yaml');
      const data: unknown = parse(text);
      return Array.isArray(data) ? data : [data];
    }
    if (kind === '.json') {
      const data: unknown = JSON.parse(text);
      return Array.isArray(data) ? data : [data];
    }
    return text
      .split('\n')
      .map((line, index) => ({line: line.trim(), index}))
      .filter(({line}) => line !== '')
      .map(({line, index}) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw invalidInput(`${file}:${index + 1}: not a JSON object`, {code: 'BATCH_INVALID'});
        }
      });
  } catch (error) {
    if ((error as SystemPromptError).code === 'BATCH_INVALID') throw error;
    throw invalidInput(`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, {
      code: 'BATCH_INVALID',
    });
  }
}

/** Runs `action` for every row, one after another, and reports each outcome; one failure does not stop the rest. */
export async function runBatch<T>(
  rows: BatchRow[],
  action: (row: BatchRow, index: number) => Promise<T>,
): Promise<BatchResult<T>> {
  const results: Array<BatchItemResult<T>> = [];
  for (const [index, row] of rows.entries()) {
    try {
      results.push({index, ok: true, data: await action(row, index)});
    } catch (error) {
      const failure = toSystemPromptError(error);
      results.push({
        index,
        ok: false,
        error: {code: failure.code, message: failure.message, exitCode: failure.exitCode},
      });
    }
  }
  const failed = results.filter((result) => !result.ok).length;
  return {total: rows.length, succeeded: rows.length - failed, failed, results};
}
