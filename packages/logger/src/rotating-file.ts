import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import {basename, dirname, join} from 'node:path';
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
  /** The descriptor of the file being written (sync mode: open from construction on). */
  readonly fd: number;
  on(event: 'write', listener: (bytes: number) => void): unknown;
  flush(callback: (error?: Error) => void): void;
  reopen(file?: string): void;
  once(event: 'close', listener: () => void): unknown;
  setMaxListeners(count: number): unknown;
  end(): void;
}

/** How often a writer looks at the file on disk at the least, while it writes. */
const CHECK_INTERVAL_MS = 1000;
/**
 * sonic-boom closes the descriptor a reopen replaces on the next tick, through one 'ready' listener
 * per reopen (so the listener limit is raised to this, or Node warns of a leak on stderr). A
 * synchronous burst of lines that would reopen more often waits for the next tick to look again
 * (with 10m files, that is a burst of over 600 MB).
 */
const MAX_REOPENS_PER_TICK = 64;
/** A lock older than this was left by a process that died while rotating: a rotation takes milliseconds. */
const LOCK_STALE_MS = 10_000;

/** `<directory>/.<name>.lock`: hidden, so that nothing globbing `<name>*` mistakes it for a log file. */
const rotationLockPath = (file: string): string => join(dirname(file), `.${basename(file)}.lock`);

/** The rotated copies of `file` in its directory, by number (`file.1` is the newest). */
export function rotatedFileNumbers(names: readonly string[], file: string): number[] {
  const prefix = `${basename(file)}.`;
  return names
    .filter((name) => name.startsWith(prefix) && /^[1-9]\d*$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)));
}

const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.dev === b.dev;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * Size-based rotation of `file` into `file.1` ... `file.<keep>`, safe when several processes (every
 * CLI command, the server) append to the same file:
 *
 * - the decision is taken on the size of the file on disk, not on what this process wrote; the file
 *   is looked at (two stats) after every sixteenth of maxSize this process writes and at least once
 *   a second while it writes, never once a line (at the default 10m: once per 640 KB);
 * - one process rotates at a time, under a lock file created exclusively (`wx`) beside the log and
 *   taken over when a dead rotation left it behind; it looks at the size again once it holds the lock,
 *   so a file another process has just rotated is not rotated twice;
 * - a process that finds the file at the path is no longer the one it has open (another process
 *   rotated it) reopens the path. Until it looks, its lines go on into the renamed file, whole (every
 *   line is one append), so nothing is lost unless `keep` rotations happen before it looks.
 *
 * (pino-roll rotates too, but counts only its own bytes and loads date-fns: ~30 ms per command.)
 */
export function rotateBySize(
  destination: SonicBoomLike,
  file: string,
  maxBytes: number,
  keep: number,
  mode = 0o600,
): void {
  const lock = rotationLockPath(file);
  // Other processes fill the file too: look at it after every sixteenth of maxSize this process writes
  // (or sooner, when its own lines alone would fill it), so it passes maxSize by little.
  const step = Math.max(1, Math.floor(maxBytes / 16));
  const untilNextLook = (size: number) => Math.max(1, Math.min(step, maxBytes - size));
  let checkAfter = untilNextLook(statSync(file, {throwIfNoEntry: false})?.size ?? 0);
  let written = 0;
  let checkedAt = Date.now();
  let reopensThisTick = 0;
  let warned = false;
  destination.setMaxListeners(MAX_REOPENS_PER_TICK + 10);

  /** Rotates if the file is full, and moves to the file at the path; returns the bytes until the next look. */
  const check = (): number => {
    const open = fstatSync(destination.fd);
    let atPath = statSync(file, {throwIfNoEntry: false});
    if (atPath && sameFile(atPath, open) && atPath.size >= maxBytes) {
      withLock(lock, () => rotateIfFull(file, maxBytes, keep, mode));
      atPath = statSync(file, {throwIfNoEntry: false});
    }
    if (!atPath || !sameFile(atPath, open)) {
      // Whoever rotated it, the path is a new file now. Called during a write, sonic-boom finishes
      // that write on the old descriptor, then opens the path (creating it if it is gone).
      if (reopensThisTick++ === 0) process.nextTick(() => (reopensThisTick = 0));
      destination.reopen();
    }
    return untilNextLook(atPath?.size ?? 0);
  };

  destination.on('write', (bytes) => {
    written += bytes;
    if (reopensThisTick >= MAX_REOPENS_PER_TICK || (written < checkAfter && Date.now() - checkedAt < CHECK_INTERVAL_MS))
      return;
    written = 0;
    checkedAt = Date.now();
    try {
      checkAfter = check();
    } catch (error) {
      checkAfter = step;
      // Logging goes on into the file it has; say once, where the operator sees it, that rotation does not.
      if (!warned)
        process.stderr.write(
          `Warning: log rotation failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      warned = true;
    }
  });
}

/** Under the lock: shifts `file.N` up by one, drops what is beyond `keep`, and starts an empty `file`. */
function rotateIfFull(file: string, maxBytes: number, keep: number, mode: number): void {
  // Another process may have rotated between our look and taking the lock.
  if ((statSync(file, {throwIfNoEntry: false})?.size ?? 0) < maxBytes) return;
  // Under the lock nothing else renames these. Copies numbered `keep` and above go: the oldest,
  // and any left by a larger maxFiles before; the others move up by one, the highest first.
  const numbers = rotatedFileNumbers(readdirSync(dirname(file)), file).sort((a, b) => b - a);
  for (const number of numbers) {
    if (number >= keep) rmSync(`${file}.${number}`, {force: true});
    else renameSync(`${file}.${number}`, `${file}.${number + 1}`);
  }
  renameSync(file, `${file}.1`);
  // The new file exists before the lock is released, so no other process finds the path empty.
  closeSync(openSync(file, 'a', mode));
}

/** Runs `body` holding the rotation lock; does nothing when another process holds it. */
function withLock(lock: string, body: () => void): void {
  const held = takeLock(lock);
  if (!held) return;
  try {
    body();
  } finally {
    // Remove the lock only if it is still ours (not taken over as stale meanwhile).
    const current = statSync(lock, {throwIfNoEntry: false});
    if (current && sameFile(current, held)) rmSync(lock, {force: true});
  }
}

function createLock(lock: string): Stats | undefined {
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined;
    throw error;
  }
  try {
    // Who holds it, for whoever finds it left behind.
    writeSync(fd, `${process.pid}\n`);
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates the lock, or takes over one a process that died while rotating left behind. */
function takeLock(lock: string): Stats | undefined {
  const created = createLock(lock);
  if (created) return created;
  const existing = statSync(lock, {throwIfNoEntry: false});
  if (!existing || Date.now() - existing.mtimeMs < LOCK_STALE_MS) return undefined;
  // Move the stale lock aside atomically: of several processes finding it stale, one moves it.
  const aside = `${lock}.${process.pid}`;
  try {
    renameSync(lock, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const moved = statSync(aside);
  if (!sameFile(moved, existing)) {
    // A fresh lock was made between our look and the rename: put it back, unless yet another exists.
    try {
      linkSync(aside, lock);
    } catch {
      // Another process holds a newer lock: ours goes, the newer one stays.
    }
    rmSync(aside, {force: true});
    return undefined;
  }
  rmSync(aside, {force: true});
  return createLock(lock);
}

/**
 * Removes (or with dryRun counts) the rotated copies of `file` last written before `before`; the
 * current file is never touched. A copy renamed or removed by a rotation meanwhile is skipped.
 */
export function pruneRotatedFiles(file: string, before: Date, options: {dryRun: boolean}): number {
  let removed = 0;
  for (const number of rotatedFileNumbers(readdirSync(dirname(file)), file)) {
    const copy = `${file}.${number}`;
    try {
      if (statSync(copy).mtimeMs >= before.getTime()) continue;
      if (!options.dryRun) rmSync(copy);
      removed++;
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
  return removed;
}
