import {open, stat} from 'node:fs/promises';

/**
 * A result that keeps coming: what is there now, then every new item until the command is stopped.
 * A service returns the stream (an AsyncIterable); the command base renders it, lines on a terminal and
 * one JSON envelope per line with --json, so every `--follow` (logs, events, a run being watched)
 * prints the same way and honours --output and --quiet.
 */
export interface FollowResult<T> {
  readonly $follow: true;
  initial: readonly T[];
  stream: AsyncIterable<T>;
}

export const followResult = <T>(initial: readonly T[], stream: AsyncIterable<T>): FollowResult<T> => ({
  $follow: true,
  initial,
  stream,
});

export function isFollowResult(value: unknown): value is FollowResult<unknown> {
  return typeof value === 'object' && value !== null && (value as {$follow?: unknown}).$follow === true;
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
    signal.addEventListener('abort', finish, {once: true});
  });
}

/**
 * The lines appended to a file from `offset` on (default: its current end), as they come, until
 * `signal` aborts. It reads only the new bytes each time. A file that was rotated (replaced by a new
 * one, seen by its inode, or truncated) is read again from its start.
 */
export async function* tailLines(
  file: string,
  options: {signal: AbortSignal; offset?: number; pollMs?: number},
): AsyncIterable<string> {
  const current = await stat(file).catch(() => undefined);
  let inode = current?.ino;
  let offset = options.offset ?? current?.size ?? 0;
  let partial = '';
  while (!options.signal.aborted) {
    const now = await stat(file).catch(() => undefined);
    if (now && (now.ino !== inode || now.size < offset)) {
      inode = now.ino;
      offset = 0;
      partial = '';
    }
    if (now && now.size > offset) {
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(now.size - offset);
        const {bytesRead} = await handle.read(buffer, 0, buffer.length, offset);
        offset += bytesRead;
        const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
        // A line is complete once its newline is written; the rest waits for the next read.
        partial = lines.pop() ?? '';
        for (const line of lines) yield line;
      } finally {
        await handle.close();
      }
      continue;
    }
    await pause(options.pollMs ?? 250, options.signal);
  }
}
