import {spawn} from 'node:child_process';
import {constants} from 'node:os';

/** Where a child's output goes: the command's own streams (stderr for both when it prints JSON). */
export interface Relay {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  relay?: Relay;
  /** `inherit`: the child reads this process's standard input (a debugged command may prompt). */
  stdin?: 'inherit' | 'ignore';
  /** Stops the child (SIGTERM) when aborted: Ctrl-C or SIGTERM to the dev command. */
  signal?: AbortSignal;
  /** Sees each line of the child's stderr first; returning false keeps it from the relay. */
  onStderrLine?: (line: string) => boolean;
  /** Keep the output (for a build's error lines); at most this many characters of each stream. */
  capture?: number;
}

export interface ChildResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, relaying (and optionally keeping) its output; never rejects for a non-zero exit. */
export function runChild(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    const kept = {stdout: '', stderr: ''};
    const keep = (stream: 'stdout' | 'stderr', text: string) => {
      if (options.capture && kept[stream].length < options.capture)
        kept[stream] = (kept[stream] + text).slice(0, options.capture);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      keep('stdout', chunk.toString('utf8'));
      options.relay?.stdout.write(chunk);
    });
    let partial = '';
    const stderrLine = (line: string) => {
      keep('stderr', `${line}\n`);
      if (!options.onStderrLine || options.onStderrLine(line)) options.relay?.stderr.write(`${line}\n`);
    };
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) stderrLine(line);
    });
    const stop = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', stop, {once: true});
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', stop);
      reject(error);
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', stop);
      if (partial) stderrLine(partial);
      const signalled = signal ? 128 + (constants.signals[signal] ?? 0) : 1;
      resolve({exitCode: code ?? signalled, ...kept});
    });
  });
}

/**
 * The environment of a child that should see `home` as its whole installation: the directories the
 * CLI's bin derived from this process's SYSTEMPROMPT_HOME would otherwise still point at this one.
 */
export function environmentFor(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, SYSTEMPROMPT_HOME: home};
  // The outer installation's credential would name a user the scratch home does not have.
  for (const key of [
    'SYSTEMPROMPT_CONFIG_DIR',
    'SYSTEMPROMPT_DATA_DIR',
    'SYSTEMPROMPT_CACHE_DIR',
    'SYSTEMPROMPT_API_KEY',
  ])
    delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
