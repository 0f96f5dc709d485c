import {chmod, readdir, stat} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {ensurePrivateDirectory, type Logger} from '@systemprompt/core';
import type {DestinationStream} from 'pino';
import {parseSize, rotateBySize} from './rotating-file.js';

export interface LoggingOptions {
  /** The logger module's data directory; logs go to its parent's `logs/`. */
  dataDirectory: string;
  level: string;
  consoleLevel: string;
  maxSize: string;
  maxFiles: number;
}

export interface Logging {
  root: Logger;
  /** The file currently written. */
  file: string;
  close(): Promise<void>;
}

/** `<data>/logs`, beside the modules' own data directories. */
export const logFileDirectory = (moduleDataDirectory: string): string => join(dirname(dirname(moduleDataDirectory)), 'logs');

const LOG_FILE_MODE = 0o600;

/** A log file written before files were private (0644) becomes 0600, its rotated copies too. */
async function narrowToOwner(file: string): Promise<void> {
  const names = (await readdir(dirname(file)).catch(() => [] as string[])).filter((name) => name === basename(file) || name.startsWith(`${basename(file)}.`));
  for (const name of names) {
    const path = join(dirname(file), name);
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0) await chmod(path, mode & 0o700);
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const lowest = (a: string, b: string) => (LEVELS.indexOf(a) <= LEVELS.indexOf(b) ? a : b);

/**
 * A pino logger writing JSON lines to `<data>/logs/systemprompt.log`, rotated by size in this thread
 * (a transport worker would cost more start-up than a CLI command has), and, when asked, readable
 * lines on stderr.
 */
export async function createLogging(options: LoggingOptions): Promise<Logging> {
  const {pino, multistream} = await import('pino');
  const directory = logFileDirectory(options.dataDirectory);
  // Logs name users, actions and errors: only the owner may read them, whatever the umask.
  await ensurePrivateDirectory(directory);
  const file = join(directory, 'systemprompt.log');
  await narrowToOwner(file);
  // The mode applies to every file the stream creates, rotated ones included (renames keep it).
  const destination = pino.destination({dest: file, sync: false, mode: LOG_FILE_MODE});
  rotateBySize(destination as never, file, parseSize(options.maxSize), options.maxFiles);
  const streams: Array<{level: string; stream: NodeJS.WritableStream | DestinationStream}> = [{level: options.level, stream: destination}];
  if (options.consoleLevel !== 'silent') {
    const {default: pretty} = await import('pino-pretty');
    streams.push({level: options.consoleLevel, stream: pretty({destination: 2, colorize: Boolean(process.stderr.isTTY), sync: true, ignore: 'pid,hostname'})});
  }
  const level = lowest(options.level, options.consoleLevel);
  const root = pino({level, base: {pid: process.pid}, timestamp: pino.stdTimeFunctions.isoTime}, multistream(streams as never, {dedupe: false}));
  return {
    root: root as unknown as Logger,
    file,
    close: () =>
      new Promise<void>((resolve) => {
        destination.flush(() => {
          destination.once('close', () => resolve());
          destination.end();
        });
      }),
  };
}
