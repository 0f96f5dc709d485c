import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {
  fetchServer,
  isSameProcess,
  liveServer,
  readServerState,
  unavailable,
  type ServerState,
} from '@systemprompt/core';
import {releaseStateFileOf} from './state-file.js';
import {serverTokenFile} from '@systemprompt/core';

/** Where a detached server's standard output and error go (a crash before logging starts shows there). */
export const SERVER_OUTPUT_FILE = 'server.out';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Whether the server at `state.url` answers /health at all (any status). */
const answers = (state: ServerState): Promise<boolean> =>
  fetchServer(state, '/health', {timeoutMs: 2000, auth: false}).then(
    () => true,
    () => false,
  );

/**
 * Waits until the state file names a ready server that `wanted` accepts and that answers /health;
 * undefined when `timeoutMs` passes first. `check` runs each round and may throw to give up early.
 */
async function waitUntilReady(
  dataDirectory: string,
  wanted: (state: ServerState) => boolean,
  timeoutMs: number,
  check: () => void = () => {},
): Promise<ServerState | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    check();
    const state = readServerState(dataDirectory);
    if (state && state.state === 'ready' && wanted(state) && (await answers(state))) return state;
    await sleep(50);
  }
  return undefined;
}

/**
 * Starts the server in the background (the same CLI, in the foreground mode, detached from this
 * terminal) and returns once it is ready and its /health answers; a server that exits or does not
 * answer in time is stopped and its last output lines are in the error.
 */
export async function startDetached(options: {
  cli: string;
  args: string[];
  dataDirectory: string;
  logDirectory: string;
  timeoutMs: number;
}): Promise<ServerState> {
  const outputFile = join(options.logDirectory, SERVER_OUTPUT_FILE);
  const output = openSync(outputFile, 'a', 0o600);
  const child = spawn(process.execPath, [...process.execArgv, options.cli, 'system:start', ...options.args], {
    detached: true,
    stdio: ['ignore', output, output],
    env: {...process.env, SYSTEMPROMPT_DETACHED: '1'},
  });
  closeSync(output);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code ?? -1));
  child.unref();
  const ready = await waitUntilReady(
    options.dataDirectory,
    (state) => state.pid === child.pid,
    options.timeoutMs,
    () => {
      if (exited === undefined) return;
      const state = readServerState(options.dataDirectory);
      // Refused because another server runs: say so, as a foreground start would (exit 5).
      throw unavailable(`The server exited during start-up (exit ${exited})`, {
        code: 'SERVER_START_FAILED',
        details: {exit: exited, ...(state ? {runningPid: state.pid} : {})},
        hint: tail(outputFile, 5) || `See ${outputFile}.`,
      });
    },
  );
  if (ready) return ready;
  if (child.pid) process.kill(child.pid, 'SIGKILL');
  throw unavailable(`The server did not become ready within ${Math.round(options.timeoutMs / 1000)} s`, {
    code: 'SERVER_START_TIMEOUT',
    hint: tail(outputFile, 5) || `See ${outputFile}.`,
  });
}

export interface StopOutcome {
  stopped: boolean;
  pid?: number;
  /** Stopped with SIGKILL after the timeout. */
  killed: boolean;
  seconds: number;
}

/** Waits until `pid` is gone (or the recorded process no longer runs), or `until` passes. */
async function waitGone(state: ServerState, until: number): Promise<boolean> {
  while (Date.now() < until) {
    if (!isSameProcess(state.pid, state.processStart)) return true;
    await sleep(50);
  }
  return !isSameProcess(state.pid, state.processStart);
}

/**
 * Stops the running server: SIGTERM (it drains and stops its modules), then SIGKILL after the timeout.
 * No state file is left either way.
 */
export async function stopServer(dataDirectory: string, timeoutMs: number): Promise<StopOutcome> {
  const started = Date.now();
  const state = liveServer(dataDirectory);
  if (!state) return {stopped: false, killed: false, seconds: 0};
  process.kill(state.pid, 'SIGTERM');
  let killed = false;
  if (!(await waitGone(state, Date.now() + timeoutMs))) {
    killed = true;
    process.kill(state.pid, 'SIGKILL');
    await waitGone(state, Date.now() + 5000);
  }
  releaseStateFileOf(dataDirectory, state.pid);
  // A killed server could not remove its token; it is worthless without the server, but not left lying.
  rmSync(serverTokenFile(dataDirectory), {force: true});
  return {stopped: true, pid: state.pid, killed, seconds: Math.round((Date.now() - started) / 100) / 10};
}

/** Waits for the server that replaces `previous` (a restart in place) to be ready and answer. */
export async function waitForSuccessor(
  dataDirectory: string,
  previous: ServerState,
  timeoutMs: number,
): Promise<ServerState> {
  const next = await waitUntilReady(dataDirectory, (state) => state.serverId !== previous.serverId, timeoutMs);
  if (next) return next;
  throw unavailable(`The server did not come back within ${Math.round(timeoutMs / 1000)} s`, {
    code: 'SERVER_START_TIMEOUT',
  });
}
