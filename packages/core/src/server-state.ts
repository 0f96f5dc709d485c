/**
 * The running server's state file (`<data>/server.json`): which process serves this installation, on
 * which address, and whether it is starting, ready or draining. The system module writes it; any
 * command reads it to find the server (modules:restart, system:status) without booting anything.
 */
import {readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';

export const SERVER_STATE_FILE = 'server.json';

export interface ServerState {
  pid: number;
  /** The process's start time as the kernel counts it (/proc/<pid>/stat), to tell a reused PID apart. */
  processStart: string | null;
  host: string;
  port: number;
  url: string;
  state: 'starting' | 'ready' | 'draining';
  /** Started with --detach (restart = stop + start) or in a terminal (restart = re-exec in place). */
  detached: boolean;
  startedAt: string;
  /** The id of this server's heartbeat row. */
  serverId: string;
  version: string;
  /** Over HTTPS: the CA file this host's CLI trusts the server's certificate through. */
  caFile?: string;
}

export const serverStateFile = (dataDirectory: string): string => join(dataDirectory, SERVER_STATE_FILE);

/** State and start time of a process from /proc (Linux); undefined where there is no /proc entry. */
function procStat(pid: number): {state: string; start: string} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces: state is
    // field 3, the start time field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {state: fields[0] ?? '', start: fields[19] ?? ''};
  } catch {
    return undefined;
  }
}

/** The start time of a process, or null where /proc is not there (not Linux) or the process is gone. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.start ?? null;
}

/** Whether `pid` is alive and is still the process that was recorded (not a reused PID). */
export function isSameProcess(pid: number, processStart: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone; EPERM: alive, but another user's process, so not this installation's server.
    return false;
  }
  const stat = procStat(pid);
  // A killed process nobody has reaped yet (a zombie) still answers kill(pid, 0).
  if (stat?.state === 'Z' || stat?.state === 'X') return false;
  if (processStart === null || !stat) return true;
  return stat.start === processStart;
}

/** The recorded state, or undefined when there is no file or it cannot be read. */
export function readServerState(dataDirectory: string): ServerState | undefined {
  try {
    const state = JSON.parse(readFileSync(serverStateFile(dataDirectory), 'utf8')) as ServerState;
    return typeof state.pid === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server of this installation when one runs; a state file left by a process that is gone (or
 * whose PID now belongs to another program) is removed.
 */
export function liveServer(dataDirectory: string): ServerState | undefined {
  const state = readServerState(dataDirectory);
  if (!state) return undefined;
  if (isSameProcess(state.pid, state.processStart)) return state;
  rmSync(serverStateFile(dataDirectory), {force: true});
  return undefined;
}
