import {createServer, type IncomingHttpHeaders, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {Webhook} from 'standardwebhooks';

export {cliWith, eventually, processGone, startDetached} from '../../system/test/helpers/server.js';

/** One request the receiver got, and whether its signature verified with the secrets it knows. */
export interface Received {
  path: string;
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Which known secrets verified it (standardwebhooks' Webhook#verify). */
  verifiedBy: string[];
}

export type Answer = {status?: number; headers?: Record<string, string>; body?: string; hold?: boolean};

/** A loopback receiver that checks every delivery with the standardwebhooks package. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Secrets to verify with (webhooks:create and rotate-secret print them). */
  secrets: string[];
  answer(path: string, answer: (count: number) => Answer): void;
  on(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, (count: number) => Answer>();
  const held = new Set<ServerResponse>();
  const secrets: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://receiver').pathname;
      const body = Buffer.concat(chunks).toString();
      const verifiedBy = secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, request.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      received.push({path, at: Date.now(), headers: request.headers, body, verifiedBy});
      const count = received.filter((each) => each.path === path).length;
      const answer = answers.get(path)?.(count) ?? {};
      if (answer.hold) {
        held.add(response);
        return;
      }
      response.writeHead(answer.status ?? 200, {'content-type': 'text/plain', ...answer.headers});
      response.end(answer.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    secrets,
    answer: (path, answer) => answers.set(path, answer),
    on: (path) => received.filter((each) => each.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
