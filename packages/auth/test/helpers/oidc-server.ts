import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface FakeIssuer {
  origin: string;
  /** Paths requested, in order. */
  requests: Array<{method: string; url: string; headers: Record<string, string | string[] | undefined>}>;
  close(): Promise<void>;
}

const DISCOVERY = '/.well-known/openid-configuration';

/**
 * A loopback OpenID Connect provider with one realm per behaviour: /good (a valid discovery
 * document), /wrong-issuer, /incomplete (no jwks_uri), /html, /slow (answers after 2 s), and
 * anything else 404.
 */
export async function startFakeIssuer(): Promise<FakeIssuer> {
  const requests: FakeIssuer['requests'] = [];
  const server: Server = createServer((request, response) => {
    requests.push({method: request.method ?? '', url: request.url ?? '', headers: request.headers});
    const origin = `http://${request.headers.host}`;
    const realm = (request.url ?? '').replace(DISCOVERY, '');
    const json = (body: unknown) => {
      response.writeHead(200, {'content-type': 'application/json'});
      response.end(JSON.stringify(body));
    };
    const document = (issuer: string) => ({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    if (!request.url?.endsWith(DISCOVERY)) {
      response.writeHead(404).end();
      return;
    }
    switch (realm) {
      case '/good':
        return json(document(`${origin}/good`));
      case '/wrong-issuer':
        return json(document('https://impostor.example.com'));
      case '/incomplete': {
        const {jwks_uri: _, ...rest} = document(`${origin}/incomplete`);
        return json(rest);
      }
      case '/html':
        response.writeHead(200, {'content-type': 'text/html'});
        response.end('<html>sign in</html>');
        return;
      case '/slow':
        setTimeout(() => json(document(`${origin}/slow`)), 2000);
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A local port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
