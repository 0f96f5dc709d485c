import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, readdir, rename, copyFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import codes from '../error-codes.js';
import {runChild, type Relay} from './child.js';
import {isCpuProfile, topFunctions, type ProfileSummary} from './cpuprofile.js';

/** The CLI whose command runs under the inspector or the profiler: Node and the CLI's bin script. */
export interface CliTarget {
  /** The CLI's bin script (its package's `bin`), run with this process's Node. */
  bin: string;
  /** The command line after the bin: `users:list --json`. */
  argv: string[];
  relay: Relay;
  signal?: AbortSignal;
}

/** The bin script of the CLI package at `root` (package.json `bin`, else bin/run.js); exit 6 when missing. */
export function cliBin(root: string, pjsonBin: unknown, binName: string): string {
  const relative =
    typeof pjsonBin === 'string'
      ? pjsonBin
      : typeof pjsonBin === 'object' &&
          pjsonBin !== null &&
          typeof (pjsonBin as Record<string, unknown>)[binName] === 'string'
        ? ((pjsonBin as Record<string, string>)[binName] as string)
        : 'bin/run.js';
  const path = resolve(root, relative);
  if (!existsSync(path)) throw codes.DEV_CLI_NOT_FOUND.error(`The CLI's bin ${path} does not exist`);
  return path;
}

export interface DebugResult {
  /** The inspector's WebSocket URL (ws://127.0.0.1:PORT/ID). */
  url: string;
  host: string;
  port: number;
  /** Whether the command waited for a debugger before its first line (--inspect-brk). */
  break: boolean;
  exitCode: number;
}

/** How to attach to an inspector listening on `host:port`. */
export const attachHelp = (host: string, port: number): string[] => [
  `Attach with chrome://inspect (Configure... add ${host}:${port}), VS Code ("attach" to ${host}:${port}),`,
  `or in a terminal: node inspect ${host}:${port}`,
];

const LISTENING = /^Debugger listening on (ws:\/\/(127\.0\.0\.1):(\d+)\/\S+)/;
const INSPECTOR_HELP = /^For help, see: https:\/\/nodejs\.org\/\S*inspector/;

/**
 * Runs the command with the inspector on loopback only (127.0.0.1, a free port). `onListening` gets
 * the address as soon as Node prints it, before a --inspect-brk run waits for the debugger.
 */
export async function debugCommand(
  target: CliTarget,
  options: {break: boolean; onListening: (listening: Omit<DebugResult, 'exitCode' | 'break'>) => void},
): Promise<DebugResult> {
  let listening: Omit<DebugResult, 'exitCode' | 'break'> | undefined;
  const flag = options.break ? '--inspect-brk=127.0.0.1:0' : '--inspect=127.0.0.1:0';
  const {exitCode} = await runChild(process.execPath, [flag, target.bin, ...target.argv], {
    relay: target.relay,
    stdin: 'inherit',
    ...(target.signal ? {signal: target.signal} : {}),
    onStderrLine: (line) => {
      const match = LISTENING.exec(line);
      if (match && !listening) {
        listening = {url: match[1]!, host: match[2]!, port: Number(match[3])};
        options.onListening(listening);
        return false;
      }
      return !INSPECTOR_HELP.test(line);
    },
  });
  if (!listening)
    throw codes.DEV_INSPECTOR_FAILED.error(`The command ended (exit ${exitCode}) without opening the inspector`);
  return {...listening, break: options.break, exitCode};
}

export interface ProfileResult extends ProfileSummary {
  /** Where the .cpuprofile was written. */
  file: string;
  exitCode: number;
}

/** The default file of dev:profile: CPU.<date>.<time>.cpuprofile in the current directory, as Node names its own. */
export function defaultProfileFile(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '.').slice(0, 15);
  return resolve(`CPU.${stamp}.${process.pid}.cpuprofile`);
}

/**
 * Runs the command under V8's CPU profiler (`--cpu-prof` into a scratch directory), moves the main
 * thread's profile to `file` and sums its samples into the top functions by self time.
 */
export async function profileCommand(target: CliTarget, options: {file: string; top: number}): Promise<ProfileResult> {
  const directory = await mkdtemp(join(tmpdir(), 'systemprompt-dev-profile-'));
  try {
    const {exitCode} = await runChild(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', directory, target.bin, ...target.argv],
      {relay: target.relay, stdin: 'inherit', ...(target.signal ? {signal: target.signal} : {})},
    );
    // One profile per thread; the main thread's is the largest (workers start later and do less).
    const profiles = await Promise.all(
      (await readdir(directory))
        .filter((name) => name.endsWith('.cpuprofile'))
        .map(async (name) => ({path: join(directory, name), size: (await stat(join(directory, name))).size})),
    );
    const main = profiles.sort((a, b) => b.size - a.size)[0];
    if (!main)
      throw codes.DEV_PROFILE_MISSING.error(`The command ended (exit ${exitCode}) without writing a CPU profile`);
    const parsed: unknown = JSON.parse(await readFile(main.path, 'utf8'));
    if (!isCpuProfile(parsed)) throw codes.DEV_PROFILE_MISSING.error(`${main.path} is not a CPU profile`);
    await moveFile(main.path, options.file);
    return {file: options.file, exitCode, ...topFunctions(parsed, options.top)};
  } finally {
    await rm(directory, {recursive: true, force: true});
  }
}

/** Renames, or copies across file systems (the scratch directory may be on another one). */
async function moveFile(from: string, to: string): Promise<void> {
  const staged = `${to}.${randomUUID()}.tmp`;
  try {
    await rename(from, to);
  } catch {
    await copyFile(from, staged);
    await rename(staged, to);
  }
}
