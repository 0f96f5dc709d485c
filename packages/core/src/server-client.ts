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
  const url = `${state.url}${path}`;
  const method = options.method ?? 'GET';
  if (url.startsWith('https:') && state.caFile)
    return fetchTrusting(url, await readFile(state.caFile, 'utf8'), {method, headers, timeoutMs: options.timeoutMs});
  return fetch(url, {method, headers, signal: AbortSignal.timeout(options.timeoutMs)});
}

/**
 * The server over HTTPS with a certificate of this host's own CA (network:ssl:generate), which the
 * system store does not hold: trusted through that CA only, with the answer as a fetch Response.
 */
async function fetchTrusting(
  url: string,
  ca: string,
  options: {method: string; headers: Record<string, string>; timeoutMs: number},
): Promise<Response> {
  const {request} = await import('node:https');
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {method: options.method, headers: options.headers, ca, timeout: options.timeoutMs});
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url} within ${options.timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.on('response', (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers))
          for (const each of Array.isArray(value) ? value : value === undefined ? [] : [value])
            headers.append(name, each);
        const status = incoming.statusCode ?? 502;
        const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
        resolve(new Response(body, {status, headers}));
      });
    });
    outgoing.end();
  });
}
