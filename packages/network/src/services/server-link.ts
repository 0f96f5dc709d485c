import {request as httpRequest} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {liveServer, readServerToken, unavailable, type ServerState} from '@systemprompt/core';

/**
 * The way from a CLI process to this installation's running server: its state file and the local
 * server token. Unlike core's fetchServer it speaks HTTPS trusting the installation's own CA (the
 * generated one, or the imported chain), so network:* commands reach a server that serves TLS.
 */
export class ServerLink {
  constructor(
    private readonly dataDirectory: string,
    /** The PEM a local client trusts when the server speaks HTTPS. */
    private readonly ca: () => Promise<string | undefined>,
  ) {}

  running(): ServerState | undefined {
    return liveServer(this.dataDirectory);
  }

  /** GET `path` with the local server token; the parsed JSON of a 200, exit 6 otherwise. */
  async getJson<T>(server: ServerState, path: string, timeoutMs = 10_000): Promise<T> {
    const token = await readServerToken(this.dataDirectory);
    const url = new URL(path, server.url);
    const secure = url.protocol === 'https:';
    const ca = secure ? await this.ca() : undefined;
    const {status, body} = await new Promise<{status: number; body: string}>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const request = send(
        url,
        {
          method: 'GET',
          headers: token ? {authorization: `Bearer ${token}`} : {},
          timeout: timeoutMs,
          ...(secure && ca ? {ca} : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end();
    }).catch((error: unknown) => {
      throw unavailable(`The server at ${server.url} does not answer: ${(error as Error).message}`, {
        code: 'NETWORK_SERVER_UNREACHABLE',
        hint: 'See system:status; system:restart may help.',
      });
    });
    if (status !== 200) {
      const message = /"message"\s*:\s*"([^"]*)"/.exec(body)?.[1];
      throw unavailable(`The server answered ${status} to ${path}${message ? `: ${message}` : ''}`, {
        code: 'NETWORK_SERVER_UNREACHABLE',
        details: {status},
      });
    }
    return JSON.parse(body) as T;
  }
}
