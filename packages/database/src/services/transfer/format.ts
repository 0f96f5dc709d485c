import {createReadStream} from 'node:fs';
import {createInterface} from 'node:readline';
import {invalidInput} from '@systemprompt/core';
import type {Engine} from '../../connection.js';
import type {TransferTable} from './tables.js';

export type ExportFormat = 'ndjson' | 'json' | 'csv';

export const FORMAT_NAME = 'systemprompt-data';
export const FORMAT_VERSION = 1;

/** What an export file says about where it came from (its first line). */
export interface ExportHeader {
  format: typeof FORMAT_NAME;
  version: number;
  engine: Engine;
  exportedAt: string;
  /** Installed module versions of the source. */
  modules: Record<string, string>;
  tables: Array<{
    name: string;
    module: string;
    rows: number;
    primaryKey: string[];
    columns: Array<{name: string; type: string; nullable: boolean}>;
  }>;
}

export const headerTable = (table: TransferTable, rows: number): ExportHeader['tables'][number] => ({
  name: table.name,
  module: table.module,
  rows,
  primaryKey: table.primaryKey,
  columns: table.columns.map((column) => ({name: column.name, type: column.type, nullable: column.nullable})),
});

/**
 * Writes one export as text chunks. NDJSON: the header, then {"table","row"} per line. JSON: one
 * document {"header", "tables": {name: [rows]}} with one row per line, which data:import reads line
 * by line. CSV (one table): a "# systemprompt-data" comment line with the header, the column names,
 * then the rows; an empty field is NULL, "" is the empty string.
 */
export class ExportWriter {
  private table: ExportHeader['tables'][number] | undefined;
  private rowsInTable = 0;
  private tablesWritten = 0;

  constructor(
    private readonly format: ExportFormat,
    private readonly header: ExportHeader,
    private readonly write: (text: string) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    if (this.format === 'ndjson') await this.write(`${JSON.stringify(this.header)}\n`);
    else if (this.format === 'json') await this.write(`{"header":${JSON.stringify(this.header)},"tables":{\n`);
    else {
      await this.write(`# ${FORMAT_NAME} ${JSON.stringify(this.header)}\n`);
      await this.write(`${this.header.tables[0]!.columns.map((column) => csvField(column.name)).join(',')}\n`);
    }
  }

  async startTable(name: string): Promise<void> {
    await this.endTable();
    this.table = this.header.tables.find((table) => table.name === name);
    this.rowsInTable = 0;
    if (this.format === 'json') await this.write(`${this.tablesWritten > 0 ? ',' : ''}${JSON.stringify(name)}:[`);
    this.tablesWritten++;
  }

  async row(row: Record<string, unknown>): Promise<void> {
    const table = this.table!;
    if (this.format === 'ndjson')
      await this.write(`{"table":${JSON.stringify(table.name)},"row":${JSON.stringify(row)}}\n`);
    else if (this.format === 'json') await this.write(`${this.rowsInTable > 0 ? ',' : ''}\n${JSON.stringify(row)}`);
    else await this.write(`${table.columns.map((column) => csvValue(row[column.name])).join(',')}\n`);
    this.rowsInTable++;
  }

  private async endTable(): Promise<void> {
    if (this.format === 'json' && this.table) await this.write(`${this.rowsInTable > 0 ? '\n' : ''}]\n`);
    this.table = undefined;
  }

  async end(): Promise<void> {
    await this.endTable();
    if (this.format === 'json') await this.write('}}\n');
  }
}

const csvField = (text: string) => (/[",\r\n]|^$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && typeof (value as {$base64?: unknown}).$base64 === 'string')
    return csvField((value as {$base64: string}).$base64);
  return csvField(typeof value === 'string' ? value : String(value));
}

/** One row of an import file, with where it is. */
export interface FileRow {
  table: string;
  /** 1-based number of the row within its table in the file. */
  number: number;
  line: number;
  values: Record<string, unknown>;
}

const invalidFile = (file: string, line: number, reason: string) =>
  invalidInput(`${file}, line ${line}: ${reason}`, {
    code: 'DATA_IMPORT_INVALID',
    details: {file, line},
    hint: 'Import a file written by data:export (NDJSON, JSON or CSV).',
  });

/**
 * Reads an export file line by line (never the whole file): first its header, then its rows. The
 * format is recognised from the first line.
 */
export async function openImportFile(
  file: string,
): Promise<{header: ExportHeader; format: ExportFormat; rows: AsyncGenerator<FileRow>; close(): void}> {
  const stream = createReadStream(file, {encoding: 'utf8'});
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw invalidInput(`Cannot read ${file}: ${(error as Error).message}`, {code: 'DATA_IMPORT_INVALID'});
  }
  const lines = createInterface({input: stream, crlfDelay: Infinity})[Symbol.asyncIterator]();
  let lineNumber = 0;
  const next = async (): Promise<string | undefined> => {
    const item = await lines.next();
    if (item.done) return undefined;
    lineNumber++;
    return item.value;
  };
  const first = (await next()) ?? '';
  let format: ExportFormat;
  let headerText: string;
  if (first.startsWith('{"header":') && first.endsWith(',"tables":{')) {
    format = 'json';
    headerText = first.slice('{"header":'.length, -',"tables":{'.length);
  } else if (first.startsWith(`# ${FORMAT_NAME} `)) {
    format = 'csv';
    headerText = first.slice(`# ${FORMAT_NAME} `.length);
  } else {
    format = 'ndjson';
    headerText = first;
  }
  let header: ExportHeader;
  try {
    header = JSON.parse(headerText) as ExportHeader;
  } catch {
    stream.destroy();
    throw invalidFile(file, 1, 'no data:export header');
  }
  if (header?.format !== FORMAT_NAME || !Array.isArray(header.tables)) {
    stream.destroy();
    throw invalidFile(file, 1, 'no data:export header');
  }
  if (header.version !== FORMAT_VERSION) {
    stream.destroy();
    throw invalidFile(file, 1, `format version ${String(header.version)}; this version reads ${FORMAT_VERSION}`);
  }
  const counters = new Map<string, number>();
  const numbered = (table: string, values: Record<string, unknown>): FileRow => {
    const number = (counters.get(table) ?? 0) + 1;
    counters.set(table, number);
    return {table, number, line: lineNumber, values};
  };
  const parseObject = (text: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalidFile(file, lineNumber, 'not a JSON object');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw invalidFile(file, lineNumber, 'not a JSON object');
    return value as Record<string, unknown>;
  };

  async function* ndjsonRows(): AsyncGenerator<FileRow> {
    for (let line = await next(); line !== undefined; line = await next()) {
      if (line.trim() === '') continue;
      const item = parseObject(line);
      if (typeof item.table !== 'string' || !item.row || typeof item.row !== 'object' || Array.isArray(item.row))
        throw invalidFile(file, lineNumber, 'expected {"table": ..., "row": {...}}');
      yield numbered(item.table, item.row as Record<string, unknown>);
    }
  }

  async function* jsonRows(): AsyncGenerator<FileRow> {
    let table: string | undefined;
    for (let line = await next(); line !== undefined; line = await next()) {
      const text = line.trim();
      if (text === '' || text === '}}') continue;
      const start = /^,?("(?:[^"\\]|\\.)*"):\[(\]?)$/.exec(text);
      if (start) {
        table = JSON.parse(start[1]!) as string;
        if (start[2]) table = undefined;
        continue;
      }
      if (text === ']') {
        table = undefined;
        continue;
      }
      if (!table) throw invalidFile(file, lineNumber, 'not in the layout data:export writes (one row per line)');
      yield numbered(table, parseObject(text.replace(/^,|,$/g, '')));
    }
  }

  async function* csvRows(): AsyncGenerator<FileRow> {
    const table = header.tables[0];
    if (header.tables.length !== 1 || !table) throw invalidFile(file, 1, 'a CSV export holds exactly one table');
    const record = async (): Promise<Array<string | null> | undefined> => {
      let text = await next();
      if (text === undefined) return undefined;
      // A quoted field may hold line breaks: read on until the quotes balance.
      while ((text.match(/"/g)?.length ?? 0) % 2 === 1) {
        const more = await next();
        if (more === undefined) throw invalidFile(file, lineNumber, 'a quoted field does not end');
        text += `\n${more}`;
      }
      return parseCsvLine(text);
    };
    const names = await record();
    if (!names) return;
    for (let fields = await record(); fields !== undefined; fields = await record()) {
      if (fields.length === 1 && fields[0] === null) continue;
      if (fields.length !== names.length)
        throw invalidFile(file, lineNumber, `${fields.length} fields where the column line has ${names.length}`);
      const values: Record<string, unknown> = {};
      names.forEach((name, index) => {
        values[name ?? ''] = fields[index];
      });
      yield numbered(table.name, values);
    }
  }

  const rows = format === 'ndjson' ? ndjsonRows() : format === 'json' ? jsonRows() : csvRows();
  return {header, format, rows, close: () => stream.destroy()};
}

/** One CSV record: an unquoted empty field is null, a quoted one is text. */
function parseCsvLine(text: string): Array<string | null> {
  const fields: Array<string | null> = [];
  let index = 0;
  for (;;) {
    if (text[index] === '"') {
      let value = '';
      index++;
      for (;;) {
        const quote = text.indexOf('"', index);
        if (quote < 0) {
          value += text.slice(index);
          index = text.length;
          break;
        }
        value += text.slice(index, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          index = quote + 2;
        } else {
          index = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = text.indexOf(',', index);
      const raw = comma < 0 ? text.slice(index) : text.slice(index, comma);
      fields.push(raw === '' ? null : raw);
      index = comma < 0 ? text.length : comma;
    }
    if (text[index] === ',') index++;
    else return fields;
  }
}
