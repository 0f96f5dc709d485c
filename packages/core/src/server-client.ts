import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {ServerState} from './server-state.js';

/**
 * The local server token: a random secret the server writes (0600) into the data directory at
 * start. A CLI process of the same installation that can read it reaches the server as the system;
 * the command has already checked its own actor's permission before it calls.
 */
export const SERVER_TOKEN_FILE = 'server.token';
/** Bearer tokens of this kind start with this, so the server tells them from API keys and JWTs at once. */
export const SERVER_TOKEN_PREFIX = 'sps_';

export const serverTokenFile = (dataDirectory: string): string => join(dataDirectory, SERVER_TOKEN_FILE);

export async function readServerToken(dataDirectory: string): Promise<string | undefined> {
  return (await readFile(serverTokenFile(dataDirectory), 'utf8').catch(() => undefined))?.trim();
}

/** A request to this installation's running server, with the local server token unless `auth` is false. */
export async function fetchServer(
  state: ServerState & {dataDirectory?: string},
  path: string,
  options: {timeoutMs: number; auth: boolean | string; method?: string},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (typeof options.auth === 'string') headers.authorization = `Bearer ${options.auth}`;
  return fetch(`${state.url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    signal: AbortSignal.timeout(options.timeoutMs),
  });
}
