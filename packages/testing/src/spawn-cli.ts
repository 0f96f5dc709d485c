import {spawn} from 'node:child_process';

export interface SpawnResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a built `bin` as a child process, as a user's shell would: no terminal, and standard input
 * empty unless `input` is given (piped, then closed). An env value of undefined removes the variable.
 */
export function spawnCli(
  bin: string,
  args: string[],
  options: {home?: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string} = {},
): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {...process.env, ...options.env, ...(options.home ? {SYSTEMPROMPT_HOME: options.home} : {})},
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.on('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 1),
      }),
    );
  });
}
