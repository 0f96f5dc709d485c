import {APP_BIN, spawnCli, type SpawnResult} from '@systemprompt/testing';

export type Cli = (
  args: string[],
  options?: {env?: Record<string, string | undefined>; input?: string; timeoutMs?: number},
) => Promise<SpawnResult>;

/** The workspace CLI (its bin, a child process as a user runs it) on `home`, on SQLite. */
export async function devCli(home: string): Promise<Cli> {
  const cli: Cli = (args, options = {}) =>
    spawnCli(APP_BIN, args, {
      home,
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, SYSTEMPROMPT_API_KEY: undefined, ...options.env},
      timeoutMs: options.timeoutMs ?? 120_000,
      ...(options.input === undefined ? {} : {input: options.input}),
    });
  return cli;
}

/** The envelopes of a --json command that prints one per line (a followed result). */
export const envelopes = (stdout: string): Array<{ok: boolean; data: any; error?: any}> =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
