import {closeSync, openSync, readSync} from 'node:fs';
import {TABLE_FORMAT, type TrackedPath} from './fingerprint.js';

/** Byte offsets [start, end) into the table's body. */
export type Range = [number, number];

/** Who prints help: `X --help` (oclif's main), `help X` (the help command) or `cli:help X`; each lays it out its own way. */
export type HelpSource = 'main' | 'command' | 'cli';

/** How one of cli:list's flags parses, taken from the loaded command class when the table is built. */
export interface FlagSpec {
  char?: string;
  kind: 'boolean' | 'string' | 'integer';
  multiple?: boolean;
  options?: string[];
  min?: number;
  max?: number;
  default?: unknown;
}

export interface TableHeader {
  format: number;
  /** environmentKey() when the table was built. */
  environment: string;
  /** The files the table was built from, and their states then (pathStates()). */
  tracked: TrackedPath[];
  states: string[];
  helpFlags: string[];
  versionFlags: string[];
  /** Every id oclif finds a command under (aliases included), and every topic. */
  commandIds: string[];
  topics: string[];
  /** Help texts by layout (layoutKey()), source and subject ('' for the overview). */
  help: Record<string, Partial<Record<HelpSource, Record<string, Range>>>>;
  /** What the table answers: help texts at all, the help command, cli:list (with its flags) and cli:help. */
  answers: {helpTexts: boolean; help: boolean; list: Record<string, FlagSpec> | null; cliHelp: boolean};
  /** cli:list's rows, in its default order, and cli:help's command descriptions (JSON). */
  rows: Range;
  infos: Range;
}

/**
 * The table file: one line of JSON (the header), then a body of JSON sections and help texts that
 * the header points into. A command reads the header and only the part it prints, through a file
 * descriptor: a table renamed over this one meanwhile does not mix into what is read.
 */
export class CommandTable {
  private constructor(
    readonly header: TableHeader,
    private readonly descriptor: number,
    private readonly bodyStart: number,
  ) {}

  /** The table at `file`, or nothing when there is none or it is unreadable or of another format (it is rebuilt). */
  static read(file: string): CommandTable | undefined {
    let descriptor: number | undefined;
    try {
      descriptor = openSync(file, 'r');
      let buffer = Buffer.allocUnsafe(64 * 1024);
      let length = readSync(descriptor, buffer, 0, buffer.length, 0);
      let end = buffer.subarray(0, length).indexOf(10);
      while (end < 0 && length === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger);
        buffer = larger;
        length += readSync(descriptor, buffer, length, buffer.length - length, length);
        end = buffer.subarray(0, length).indexOf(10);
      }
      const header = JSON.parse(buffer.toString('utf8', 0, end < 0 ? length : end)) as TableHeader;
      if (header.format === TABLE_FORMAT) return new CommandTable(header, descriptor, end + 1);
    } catch {
      // No table yet, or a damaged one: it is rebuilt.
    }
    if (descriptor !== undefined) closeSync(descriptor);
    return undefined;
  }

  /** A part of the body; throws when the file ends before it (a damaged table). */
  text([start, end]: Range): string {
    const buffer = Buffer.allocUnsafe(end - start);
    if (readSync(this.descriptor, buffer, 0, buffer.length, this.bodyStart + start) !== buffer.length)
      throw new Error('The command table is truncated');
    return buffer.toString('utf8');
  }

  json<T>(range: Range): T {
    return JSON.parse(this.text(range)) as T;
  }

  close(): void {
    closeSync(this.descriptor);
  }
}

export type TableContent = Omit<TableHeader, 'format' | 'help' | 'rows' | 'infos'> & {
  help: Record<string, Partial<Record<HelpSource, Record<string, string>>>>;
  rows: unknown;
  infos: unknown;
};

/** The bytes of a table file; texts that several sources print alike are stored once. */
export function encodeCommandTable(content: TableContent): Buffer {
  const chunks: Buffer[] = [];
  const stored = new Map<string, Range>();
  let size = 0;
  const put = (text: string): Range => {
    let range = stored.get(text);
    if (!range) {
      const bytes = Buffer.from(text, 'utf8');
      range = [size, size + bytes.length];
      chunks.push(bytes);
      size += bytes.length;
      stored.set(text, range);
    }
    return range;
  };
  const {help, rows, infos, ...rest} = content;
  const header: TableHeader = {
    format: TABLE_FORMAT,
    ...rest,
    rows: put(JSON.stringify(rows)),
    infos: put(JSON.stringify(infos)),
    help: Object.fromEntries(
      Object.entries(help).map(([layout, sources]) => [
        layout,
        Object.fromEntries(
          Object.entries(sources).map(([source, texts]) => [
            source,
            Object.fromEntries(Object.entries(texts).map(([subject, text]) => [subject, put(text)])),
          ]),
        ),
      ]),
    ),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), ...chunks]);
}
