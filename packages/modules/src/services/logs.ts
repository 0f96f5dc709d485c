import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {invalidInput} from '@systemprompt/core';

export interface LogLine {
  time: string;
  level: string;
  module: string;
  message: string;
}

const LEVELS: Record<string, number> = {trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60};
const NAMES = Object.fromEntries(Object.entries(LEVELS).map(([name, value]) => [value, name]));

export {parseSince} from '@systemprompt/core';

export function levelValue(level: string): number {
  const value = LEVELS[level];
  if (value === undefined)
    throw invalidInput(`--level ${level}: one of ${Object.keys(LEVELS).join(', ')}`, {code: 'LEVEL_INVALID'});
  return value;
}

export interface LogFilter {
  module?: string;
  minLevel?: number;
  since?: Date;
}

/** Log lines of the rotated files in `<data>/logs`, oldest first, filtered by module, level and time. */
export async function readLogs(directory: string, filter: LogFilter): Promise<LogLine[]> {
  let files: string[];
  try {
    files = (await readdir(directory)).filter((name) => /^systemprompt\.log(\.\d+)?$/.test(name));
  } catch {
    return [];
  }
  // systemprompt.log.5 is the oldest, systemprompt.log the newest.
  files.sort((a, b) => (Number(b.split('.').pop()) || 0) - (Number(a.split('.').pop()) || 0));
  const lines: LogLine[] = [];
  for (const file of files) {
    for (const text of (await readFile(join(directory, file), 'utf8')).split('\n')) {
      const line = parseLogLine(text, filter);
      if (line) lines.push(line);
    }
  }
  return lines;
}

/** The current log file, the one new lines are appended to. */
export const currentLogFile = (directory: string) => join(directory, 'systemprompt.log');

/** One line of a JSON log file as a LogLine, or undefined when it is not one or the filter leaves it out. */
export function parseLogLine(text: string, filter: LogFilter): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  let entry: {time?: string; level?: number; module?: string; msg?: string};
  try {
    entry = JSON.parse(text) as typeof entry;
  } catch {
    return undefined;
  }
  if (filter.module && entry.module !== filter.module) return undefined;
  if (filter.minLevel && (entry.level ?? 0) < filter.minLevel) return undefined;
  if (filter.since && (!entry.time || new Date(entry.time) < filter.since)) return undefined;
  return {
    time: entry.time ?? '',
    level: NAMES[entry.level ?? 30] ?? String(entry.level),
    module: entry.module ?? '',
    message: entry.msg ?? '',
  };
}
