import {readdirSync, statSync, type Stats} from 'node:fs';
import {open, readdir, type FileHandle} from 'node:fs/promises';
import {join} from 'node:path';
import {invalidInput} from '@systemprompt/core';
import {LEVEL_VALUES} from './deferred-logger.js';
import {rotatedFileNumbers} from './rotating-file.js';

/** One line of the log, as `system:logs` shows it. */
export interface LogRecord {
  /** ISO 8601, as written. */
  time: string;
  /** `trace` ... `fatal` (the number, as a string, for a level pino does not name). */
  level: string;
  module?: string;
  msg: string;
  pid?: number;
  /** Everything else on the line (the record's own fields and its logger's other bindings). */
  fields: Record<string, unknown>;
}

export interface ReadLogOptions {
  /** The log directory (`<data>/logs`, see logFileDirectory). */
  directory: string;
  /** Only records of this module. */
  module?: string;
  /** Only records at this level or above: trace, debug, info, warn, error, fatal. */
  level?: string;
  /** Only records made at or after this time. */
  since?: Date;
  /** Only the newest this many (after the other filters). */
  limit?: number;
}

export interface FollowLogOptions extends ReadLogOptions {
  /** Ends the iteration (quietly) when aborted. */
  signal: AbortSignal;
  /** How often the files are looked at; 250 ms unless given. */
  intervalMs?: number;
}

const LOG_FILE_NAME = 'systemprompt.log';
const DEFAULT_FOLLOW_INTERVAL_MS = 250;
const NEWLINE = 0x0a;

const LEVEL_NAMES = new Map(
  Object.entries(LEVEL_VALUES)
    .filter(([, value]) => Number.isFinite(value))
    .map(([name, value]) => [value, name]),
);

interface Parsed {
  record: LogRecord;
  /** `time` in ms since the epoch, to sort and filter by. */
  at: number;
  severity: number;
}

function parseLine(line: string): Parsed | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const {time, level, module, msg, pid, ...fields} = value as Record<string, unknown>;
  const at = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : Number.NaN;
  const severity = typeof level === 'number' ? level : typeof level === 'string' ? LEVEL_VALUES[level] : undefined;
  if (!Number.isFinite(at) || severity === undefined || !Number.isFinite(severity)) return undefined;
  const record: LogRecord = {
    time: typeof time === 'string' ? time : new Date(at).toISOString(),
    level: LEVEL_NAMES.get(severity) ?? String(severity),
    msg: typeof msg === 'string' ? msg : '',
    fields,
  };
  if (typeof module === 'string') record.module = module;
  if (typeof pid === 'number') record.pid = pid;
  return {record, at, severity};
}

function parseLines(text: string, into: Parsed[]): void {
  for (const line of text.split('\n')) {
    const parsed = line ? parseLine(line) : undefined;
    if (parsed) into.push(parsed);
  }
}

/** The filter the options ask for; bad options are refused here, before any file is read. */
function matcherFor(options: ReadLogOptions): (parsed: Parsed) => boolean {
  const {module, level, since, limit} = options;
  const minimum = level === undefined ? undefined : LEVEL_VALUES[level];
  if (level !== undefined && (minimum === undefined || !Number.isFinite(minimum)))
    throw invalidInput(`${level} is not a log level (trace, debug, info, warn, error, fatal)`);
  if (since !== undefined && Number.isNaN(since.getTime())) throw invalidInput('since is not a valid date');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw invalidInput(`limit must be a whole number of records, 0 or more (got ${limit})`);
  const from = since?.getTime();
  return (parsed) =>
    (module === undefined || parsed.record.module === module) &&
    (minimum === undefined || parsed.severity >= minimum) &&
    (from === undefined || parsed.at >= from);
}

/** In time order; records of the same millisecond keep the order they were read in (files oldest first). */
const byTime = (records: Parsed[]) => records.sort((a, b) => a.at - b.at);

const newest = (records: Parsed[], limit: number | undefined) =>
  limit === undefined ? records : records.slice(Math.max(0, records.length - limit));

const keyOf = (stats: Stats) => `${stats.dev}:${stats.ino}`;

const isGone = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

interface Position {
  /** 0 for the current file, N for `systemprompt.log.N`: a file only ever moves to a higher number. */
  rank: number;
  /** Bytes read so far (always the end of a whole line). */
  offset: number;
}

interface OpenFile {
  rank: number;
  key: string;
  size: number;
  handle: FileHandle;
}

/**
 * Reads what has been added to the log files since the last read, across rotations: files are known
 * by their inode, not their name, so a file renamed by a rotation is read on from where it was left,
 * and one a slow writer still appends to after the rotation is read too.
 */
class LogFilesCursor {
  private positions = new Map<string, Position>();
  private readonly file: string;

  constructor(private readonly directory: string) {
    this.file = join(directory, LOG_FILE_NAME);
  }

  /** Takes everything in the files now as read: the next read returns only what is written after. */
  skipExisting(): void {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    for (const rank of [0, ...rotatedFileNumbers(names, this.file)]) {
      const stats = statSync(this.pathOf(rank), {throwIfNoEntry: false});
      if (stats) this.positions.set(keyOf(stats), {rank, offset: stats.size});
    }
  }

  /** The records in whole lines added since the last read, files oldest first. */
  async read(): Promise<Parsed[]> {
    const files = await this.openAll();
    const records: Parsed[] = [];
    const positions = new Map<string, Position>();
    try {
      for (const file of files.sort((a, b) => b.rank - a.rank)) {
        const known = this.positions.get(file.key);
        // A file that moved back to a lower number or shrank is a new file on a reused inode.
        let offset = known && known.rank <= file.rank && known.offset <= file.size ? known.offset : 0;
        if (file.size > offset) {
          const buffer = Buffer.alloc(file.size - offset);
          const {bytesRead} = await file.handle.read(buffer, 0, buffer.length, offset);
          // A line being written may be seen in part: it is read whole next time.
          const end = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE) + 1;
          parseLines(buffer.toString('utf8', 0, end), records);
          offset += end;
        }
        positions.set(file.key, {rank: file.rank, offset});
      }
    } finally {
      await Promise.all(files.map((file) => file.handle.close()));
    }
    this.positions = positions;
    return records;
  }

  private pathOf(rank: number): string {
    return rank === 0 ? this.file : `${this.file}.${rank}`;
  }

  /**
   * Opens every log file, newest first: a rotation during the sweep moves files to numbers not yet
   * opened (never back), so none is missed, and one met twice is kept once.
   */
  private async openAll(): Promise<OpenFile[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isGone(error)) return [];
      throw error;
    }
    let highest = Math.max(0, ...rotatedFileNumbers(names, this.file));
    const files = new Map<string, OpenFile>();
    try {
      for (let rank = 0; rank <= highest + 1; rank++) {
        let handle: FileHandle;
        try {
          handle = await open(this.pathOf(rank), 'r');
        } catch (error) {
          if (isGone(error)) continue;
          throw error;
        }
        const stats = await handle.stat();
        const key = keyOf(stats);
        await files.get(key)?.handle.close();
        files.set(key, {rank, key, size: stats.size, handle});
        // A rotation during the sweep pushed a file beyond the listing: look one further.
        if (rank > highest) highest = rank;
      }
    } catch (error) {
      await Promise.all([...files.values()].map((file) => file.handle.close()));
      throw error;
    }
    return [...files.values()];
  }
}

/**
 * The records of `systemprompt.log.N` ... `.1` and `systemprompt.log` in `directory`, merged in time
 * order (several processes write these files, a slow one into a file already rotated). Lines that do
 * not parse as a record are skipped; `limit` keeps the newest.
 */
export async function readLogRecords(options: ReadLogOptions): Promise<LogRecord[]> {
  const matches = matcherFor(options);
  const records = (await new LogFilesCursor(options.directory).read()).filter(matches);
  return newest(byTime(records), options.limit).map((parsed) => parsed.record);
}

/**
 * The records written to the log from the moment of this call on, as they are written, across
 * rotations (none repeated, none dropped), until `signal` is aborted. With `since` or `limit`, the
 * records readLogRecords would return come first, then the new ones, with nothing lost in between
 * (like `tail -n <limit> -f`). Each look at the files yields its records in time order.
 */
export function followLogRecords(options: FollowLogOptions): AsyncIterable<LogRecord> {
  const matches = matcherFor(options);
  const cursor = new LogFilesCursor(options.directory);
  const withBacklog = options.since !== undefined || options.limit !== undefined;
  // Now, not when iteration starts: a line written after this call returns is followed.
  if (!withBacklog) cursor.skipExisting();
  return follow(cursor, options, matches, withBacklog);
}

async function* follow(
  cursor: LogFilesCursor,
  options: FollowLogOptions,
  matches: (parsed: Parsed) => boolean,
  withBacklog: boolean,
): AsyncGenerator<LogRecord> {
  const {signal} = options;
  let first = withBacklog;
  while (!signal.aborted) {
    let records = byTime((await cursor.read()).filter(matches));
    if (first) records = newest(records, options.limit);
    first = false;
    for (const parsed of records) {
      if (signal.aborted) return;
      yield parsed.record;
    }
    await pause(options.intervalMs ?? DEFAULT_FOLLOW_INTERVAL_MS, signal);
  }
}

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, {once: true});
  });
}
