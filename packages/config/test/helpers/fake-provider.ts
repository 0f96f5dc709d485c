import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface FakeProvider {
  /** `http://127.0.0.1:PORT`; the model list is at `/v1/models`. */
  origin: string;
  /** Headers of every request, in order. */
  requests: Array<{method: string; url: string; headers: IncomingHttpHeaders}>;
  close(): Promise<void>;
}

export const OPENAI_MODELS = {
  object: 'list',
  data: [
    {id: 'llama3', object: 'model'},
    {id: 'mistral', object: 'model'},
  ],
};
export const ANTHROPIC_MODELS = {
  data: [
    {type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5'},
    {type: 'model', id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5'},
  ],
  has_more: false,
  first_id: 'claude-sonnet-4-5',
  last_id: 'claude-haiku-4-5',
};

/**
 * A provider on 127.0.0.1 (port 0). `GET /v1/models` answers the model list only with the right
 * key (`Authorization: Bearer KEY` for openai; `x-api-key: KEY` and `anthropic-version` for
 * anthropic), else 401. `/html/models` answers a web page, `/slow/models` never answers.
 */
export async function startFakeProvider(kind: 'openai' | 'anthropic', key: string): Promise<FakeProvider> {
  const requests: FakeProvider['requests'] = [];
  const server: Server = createServer((request, response) => {
    requests.push({method: request.method ?? '', url: request.url ?? '', headers: request.headers});
    if (request.url === '/slow/models') return; // held open until close()
    if (request.url === '/html/models') {
      response.writeHead(200, {'content-type': 'text/html'}).end('<html><body>It works!</body></html>');
      return;
    }
    if (request.method !== 'GET' || request.url !== '/v1/models') {
      response.writeHead(404, {'content-type': 'application/json'}).end('{"error":"not found"}');
      return;
    }
    const authorized =
      kind === 'openai'
        ? request.headers.authorization === `Bearer ${key}`
        : request.headers['x-api-key'] === key && request.headers['anthropic-version'] === '2023-06-01';
    if (!authorized) {
      // Like real providers, the refusal quotes part of the key it got: the CLI must not print it.
      const got = String(request.headers.authorization ?? request.headers['x-api-key'] ?? '');
      response
        .writeHead(401, {'content-type': 'application/json'})
        .end(JSON.stringify({error: {message: `Incorrect API key provided: ${got}`}}));
      return;
    }
    response
      .writeHead(200, {'content-type': 'application/json'})
      .end(JSON.stringify(kind === 'openai' ? OPENAI_MODELS : ANTHROPIC_MODELS));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was open a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
