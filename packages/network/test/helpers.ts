import {request as httpRequest} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {networkInterfaces} from 'node:os';
import type {TLSSocket} from 'node:tls';

export {cliWith, eventually, processGone, startDetached, type StartedServer} from '../../system/test/helpers/server.js';

const LOOPBACK = /^https?:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d+(\/|$)/;

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Over HTTPS: whether the client verified the chain (it refuses otherwise). */
  authorized?: boolean;
  /** The certificate the server presented (HTTPS). */
  validTo?: string;
}

/**
 * GET a loopback URL (anything else is refused here: tests never leave this machine), optionally from
 * another loopback address (`localAddress: '127.0.0.2'`), trusting `ca` over HTTPS.
 */
export function get(
  url: string,
  options: {localAddress?: string; ca?: string; headers?: Record<string, string>} = {},
): Promise<Answer> {
  if (!LOOPBACK.test(url)) throw new Error(`not a loopback URL: ${url}`);
  if (options.localAddress && !/^(127\.|::1$)/.test(options.localAddress)) throw new Error('not a loopback source');
  const secure = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const send = secure ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'GET',
        headers: {connection: 'close', ...options.headers},
        timeout: 10_000,
        ...(options.localAddress ? {localAddress: options.localAddress} : {}),
        ...(secure ? {ca: options.ca, agent: false} : {agent: false}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const socket = response.socket as TLSSocket;
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ...(secure ? {authorized: socket.authorized, validTo: socket.getPeerCertificate?.()?.valid_to} : {}),
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

/** Whether this machine has ::1 on its loopback interface. */
export const hasIpv6Loopback = (): boolean =>
  Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.family === 'IPv6' && address.address === '::1'),
  );

/** fastify's printRoutes() tree (shared prefixes as parent nodes) as `METHOD /full/path` lines. */
export function routesOfTree(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?\s*$/.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    for (const method of (match[3] ?? '')
      .split(',')
      .map((each) => each.trim())
      .filter(Boolean))
      routes.push(`${method} ${path}`);
  }
  return routes;
}
