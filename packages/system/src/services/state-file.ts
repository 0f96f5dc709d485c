import {linkSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {
  conflict,
  isSameProcess,
  processStartTime,
  readServerState,
  serverStateFile,
  writeFileAtomic,
  type ServerState,
} from '@systemprompt/core';

const STATE_FILE_MODE = 0o600;

function refuseRunning(state: ServerState): never {
  throw conflict(`A server of this installation already runs (pid ${state.pid}, ${state.url})`, {
    code: 'SERVER_RUNNING',
    details: {pid: state.pid, url: state.url},
    hint: 'Stop it with system:stop, or see it with system:status.',
  });
}

/**
 * Makes this process the installation's one server: creates the state file exclusively. A file left by
 * a process that is gone (or whose PID now belongs to another program) is taken over; a live server's
 * is refused (exit 5). Two processes starting at once: exactly one creates the file.
 */
export async function claimStateFile(
  dataDirectory: string,
  initial: Omit<ServerState, 'pid' | 'processStart'>,
): Promise<ServerState> {
  const file = serverStateFile(dataDirectory);
  const state: ServerState = {...initial, pid: process.pid, processStart: processStartTime(process.pid)};
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(state, null, 2), {flag: 'wx', mode: STATE_FILE_MODE});
      return state;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readServerState(dataDirectory);
    if (existing && isSameProcess(existing.pid, existing.processStart)) refuseRunning(existing);
    if (!existing) {
      // Being written by a server that just created it, or garbage: look again before taking it over.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = readServerState(dataDirectory);
      if (again && isSameProcess(again.pid, again.processStart)) refuseRunning(again);
    }
    takeOverStale(file, existing);
  }
  throw conflict('Another server is starting for this installation', {code: 'SERVER_RUNNING'});
}

/**
 * Moves a stale state file aside, and puts it back if what was moved is not the stale file that was
 * read (another process took it over and made its own in between).
 */
function takeOverStale(file: string, stale: ServerState | undefined): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let moved: ServerState | undefined;
  try {
    moved = JSON.parse(readFileSync(aside, 'utf8')) as ServerState;
  } catch {
    moved = undefined;
  }
  if (moved && stale && (moved.pid !== stale.pid || moved.startedAt !== stale.startedAt)) {
    try {
      linkSync(aside, file);
    } catch {
      // The newcomer's file could not go back: it will find itself without one and its clients retry.
    }
  }
  rmSync(aside, {force: true});
}

/** Rewrites this server's state file (its port once it listens, its state as it changes). */
export async function updateStateFile(dataDirectory: string, state: ServerState): Promise<void> {
  await writeFileAtomic(serverStateFile(dataDirectory), JSON.stringify(state, null, 2), {mode: STATE_FILE_MODE});
}

/** Removes the state file if it still belongs to `pid` (by default this process). */
export function releaseStateFileOf(dataDirectory: string, pid: number = process.pid): void {
  const state = readServerState(dataDirectory);
  if (state && state.pid !== pid) return;
  rmSync(serverStateFile(dataDirectory), {force: true});
}
