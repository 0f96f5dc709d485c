import {spawn} from 'node:child_process';

export interface SpawnResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a built `bin` as a child process, as a user's shell would (no terminal, empty stdin). */
export function spawnCli(bin: string, args: string[], options: {home?: string; env?: Record<string, string>; timeoutMs?: number} = {}): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {...process.env, ...options.env, ...(options.home ? {SYSTEMPROMPT_HOME: options.home} : {})},
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode: code ?? (signal ? 128 : 1)}));
  });
}
