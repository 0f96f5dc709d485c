import {chmod, open, readdir, stat} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {ensurePrivateDirectory, type Logger} from '@systemprompt/core';
import type {DestinationStream} from 'pino';
import {DeferredLogger, DeferredQueue, LEVEL_VALUES} from './deferred-logger.js';
import {parseSize, rotateBySize, type SonicBoomLike} from './rotating-file.js';

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
export const logFileDirectory = (moduleDataDirectory: string): string =>
  join(dirname(dirname(moduleDataDirectory)), 'logs');

const LOG_FILE_MODE = 0o600;

/** A log file written before files were private (0644) becomes 0600, its rotated copies too. */
async function narrowToOwner(file: string): Promise<void> {
  const names = (await readdir(dirname(file)).catch(() => [] as string[])).filter(
    (name) => name === basename(file) || name.startsWith(`${basename(file)}.`),
  );
  // Another process may rotate meanwhile: a copy gone since the listing needs nothing.
  const unlessGone = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  };
  for (const name of names) {
    const path = join(dirname(file), name);
    const mode = ((await stat(path).catch(unlessGone))?.mode ?? 0) & 0o777;
    if ((mode & 0o077) !== 0) await chmod(path, mode & 0o700).catch(unlessGone);
  }
}

const lowest = (a: string, b: string) => ((LEVEL_VALUES[a] ?? 0) <= (LEVEL_VALUES[b] ?? 0) ? a : b);

/**
 * A pino logger writing JSON lines to `<data>/logs/systemprompt.log`, rotated by size in this thread
 * (a transport worker would cost more start-up than a CLI command has) and safely when several
 * processes write the file at once (see rotateBySize), and, when asked, readable
 * lines on stderr. The directory and the file are made (private) here; pino itself loads with the
 * first record that passes the level (see DeferredLogger), which most commands never write.
 */
export async function createLogging(options: LoggingOptions): Promise<Logging> {
  const directory = logFileDirectory(options.dataDirectory);
  // Logs name users, actions and errors: only the owner may read them, whatever the umask.
  await ensurePrivateDirectory(directory);
  const file = join(directory, 'systemprompt.log');
  await narrowToOwner(file);
  await (await open(file, 'a', LOG_FILE_MODE)).close();
  const level = lowest(options.level, options.consoleLevel);
  let destination: SonicBoomLike | undefined;
  const queue: DeferredQueue = new DeferredQueue({
    threshold: LEVEL_VALUES[level] ?? 0,
    start: async () => {
      const {pino, multistream} = await import('pino');
      // The mode applies to every file the stream creates, rotated ones included (renames keep it).
      // Synchronous: the file is open as soon as the stream exists, so a process that exits at once
      // (process.exit in a module) neither loses its lines nor trips over a stream still opening.
      const stream = pino.destination({dest: file, sync: true, mode: LOG_FILE_MODE}) as unknown as SonicBoomLike;
      destination = stream;
      rotateBySize(stream, file, parseSize(options.maxSize), options.maxFiles, LOG_FILE_MODE);
      const streams: Array<{level: string; stream: NodeJS.WritableStream | DestinationStream}> = [
        {level: options.level, stream},
      ];
      if (options.consoleLevel !== 'silent') {
        const {default: pretty} = await import('pino-pretty');
        streams.push({
          level: options.consoleLevel,
          stream: pretty({destination: 2, colorize: Boolean(process.stderr.isTTY), sync: true, ignore: 'pid,hostname'}),
        });
      }
      // A record made before pino was ready keeps the time it was made.
      const timestamp = () => `,"time":"${new Date(queue.replayTime ?? Date.now()).toISOString()}"`;
      // Typed as the project's Logger: pino's own type has a callable `then`, which an async function cannot return.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      return pino(
        {level, base: {pid: process.pid}, timestamp},
        multistream(streams as never, {dedupe: false}),
      ) as unknown as Logger;
    },
  });
  return {
    root: new DeferredLogger(queue, []),
    file,
    close: async () => {
      if (!(await queue.settled()) || !destination) return;
      const stream = destination;
      await new Promise<void>((resolve) => {
        stream.flush(() => {
          stream.once('close', () => resolve());
          stream.end();
        });
      });
    },
  };
}
