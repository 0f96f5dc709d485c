import {mkdir} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {Logger} from '@systemprompt/core';

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

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const lowest = (a: string, b: string) => (LEVELS.indexOf(a) <= LEVELS.indexOf(b) ? a : b);

/**
 * A pino logger writing JSON lines to a size-rotated file (pino-roll, in this thread: a transport
 * worker would cost more start-up than a CLI command has) and, when asked, readable lines on stderr.
 */
export async function createLogging(options: LoggingOptions): Promise<Logging> {
  const [{pino, multistream}, {default: roll}] = await Promise.all([import('pino'), import('pino-roll')]);
  const directory = logFileDirectory(options.dataDirectory);
  await mkdir(directory, {recursive: true});
  const base = join(directory, 'systemprompt');
  const file = await roll({file: base, extension: '.log', size: options.maxSize, limit: {count: options.maxFiles}, mkdir: true});
  const streams: Array<{level: string; stream: NodeJS.WritableStream}> = [{level: options.level, stream: file as unknown as NodeJS.WritableStream}];
  if (options.consoleLevel !== 'silent') {
    const {default: pretty} = await import('pino-pretty');
    streams.push({level: options.consoleLevel, stream: pretty({destination: 2, colorize: Boolean(process.stderr.isTTY), sync: true, ignore: 'pid,hostname'})});
  }
  const level = lowest(options.level, options.consoleLevel);
  const root = pino({level, base: {pid: process.pid}, timestamp: pino.stdTimeFunctions.isoTime}, multistream(streams as never, {dedupe: false}));
  return {
    root: root as unknown as Logger,
    get file() {
      return (file as unknown as {file?: string}).file ?? `${base}.log`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        const stream = file as unknown as {flushSync?: () => void; end: () => void; once: (event: string, cb: () => void) => void; destroyed?: boolean};
        try {
          stream.flushSync?.();
        } catch {
          // Nothing buffered, or the file is already closed.
        }
        stream.once('close', () => resolve());
        stream.end();
      }),
  };
}
