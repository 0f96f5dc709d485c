import {existsSync, renameSync, rmSync, statSync} from 'node:fs';
import type {DestinationStream} from 'pino';

/** The sizes `10m`, `500k`, `1g` or a plain number of bytes. */
export function parseSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^(\d+)([kmg]?)$/i.exec(size.trim());
  if (!match) throw new Error(`${size} is not a size (e.g. 500k, 10m, 1g)`);
  const unit = {'': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3}[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

/** The parts of pino's destination stream (sonic-boom) that rotation and closing use. */
export interface SonicBoomLike extends DestinationStream {
  on(event: 'write', listener: (bytes: number) => void): unknown;
  flush(callback: (error?: Error) => void): void;
  reopen(file?: string): void;
  once(event: 'close', listener: () => void): unknown;
  end(): void;
}

/**
 * Classic size-based rotation of `file` into `file.1` ... `file.<keep>`: when what was written passes
 * `maxBytes`, the stream is flushed, older files shift up by one, and the stream reopens `file`.
 * (pino-roll does this too, but loads date-fns for its time-based rotation: ~30 ms per command.)
 */
export function rotateBySize(destination: SonicBoomLike, file: string, maxBytes: number, keep: number): void {
  let written = statSync(file, {throwIfNoEntry: false})?.size ?? 0;
  let rotating = false;
  destination.on('write', (bytes) => {
    written += bytes;
    if (written < maxBytes || rotating) return;
    rotating = true;
    destination.flush(() => {
      try {
        rmSync(`${file}.${keep}`, {force: true});
        for (let index = keep - 1; index >= 1; index--)
          if (existsSync(`${file}.${index}`)) renameSync(`${file}.${index}`, `${file}.${index + 1}`);
        if (existsSync(file)) renameSync(file, `${file}.1`);
        destination.reopen();
      } finally {
        written = 0;
        rotating = false;
      }
    });
  });
}
