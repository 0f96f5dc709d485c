import {createServer, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {escapeHtml, unavailable} from '@systemprompt/core';

export const CALLBACK_PATH = '/callback';

/** The redirect listener of one sign-in through an identity provider (RFC 8252's loopback redirect). */
export interface CallbackListener {
  /** `http://127.0.0.1:<port>/callback`. */
  redirectUri: string;
  /** The full URL of the one callback whose `state` matched. */
  received: Promise<URL>;
  /** Answers the browser that brought the callback (when one did) with a short page, and closes. */
  finish(outcome: {ok: boolean; message: string}): Promise<void>;
}

function page(response: ServerResponse, status: number, title: string, message: string): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - SystemPrompt</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The callback's address holds the authorization code: it goes nowhere else.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

/**
 * Listens on 127.0.0.1, on a free port, for the provider's redirect. Only GET /callback with the
 * expected `state` is taken, once; a callback with another state is answered with an error page and
 * the listener keeps waiting; other paths are 404. `finish` answers the browser that is waiting
 * and closes the listener and its connections.
 */
export async function listenForCallback(expectedState: string): Promise<CallbackListener> {
  let accept!: (url: URL) => void;
  const received = new Promise<URL>((resolve) => {
    accept = resolve;
  });
  let waiting: ServerResponse | undefined;
  let taken = false;
  let origin = '';
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname !== CALLBACK_PATH) {
      response.writeHead(404, {'content-type': 'text/plain; charset=utf-8'}).end('Not found\n');
      return;
    }
    if (request.method !== 'GET') {
      response.writeHead(405, {allow: 'GET', 'content-type': 'text/plain; charset=utf-8'}).end('Method not allowed\n');
      return;
    }
    if (taken) {
      page(response, 409, 'Sign-in failed', 'This sign-in has already received its answer.');
      return;
    }
    if (url.searchParams.get('state') !== expectedState) {
      page(
        response,
        400,
        'Sign-in failed',
        'This answer does not belong to the sign-in in progress (its state does not match). Start from the address the terminal shows.',
      );
      return;
    }
    taken = true;
    waiting = response;
    accept(url);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw unavailable(`Cannot listen on 127.0.0.1 for the identity provider's answer: ${(error as Error).message}`, {
      code: 'OIDC_CALLBACK_UNAVAILABLE',
      cause: error,
    });
  }
  const {port} = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  let finished = false;
  return {
    redirectUri: `${origin}${CALLBACK_PATH}`,
    received,
    async finish(outcome) {
      if (finished) return;
      finished = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const response = waiting;
      if (response) {
        await new Promise<void>((resolve) => {
          response.once('finish', resolve).once('close', resolve);
          if (outcome.ok) page(response, 200, 'Signed in', 'You are signed in. You can close this tab.');
          else page(response, 400, 'Sign-in failed', `${outcome.message.replace(/\.$/, '')}. You can close this tab.`);
        });
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
