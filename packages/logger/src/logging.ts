import {mkdir} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {Logger} from '@systemprompt/core';
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
  await mkdir(directory, {recursive: true});
  const file = join(directory, 'systemprompt.log');
  const destination = pino.destination({dest: file, sync: false, mkdir: true});
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
