import {fetchServer, liveServer, readServerToken, unavailable, type ServerState} from '@systemprompt/core';

/**
 * The way from a CLI process to this installation's running server: its state file (which process,
 * which address) and the local server token the server writes (0600) into the data directory, which
 * the server takes as the system itself. The command's own actor is checked before any call.
 */
export class ServerLink {
  constructor(private readonly dataDirectory: string) {}

  /** The running server, or undefined. */
  running(): ServerState | undefined {
    return liveServer(this.dataDirectory);
  }

  /** GET `path` on the server with the local server token; exit 6 when it does not answer 200. */
  async get(server: ServerState, path: string, timeoutMs = 10_000): Promise<Response> {
    const token = await readServerToken(this.dataDirectory);
    const response = await fetchServer(server, path, {timeoutMs, auth: token ?? false}).catch((error: unknown) => {
      throw unavailable(`The server at ${server.url} does not answer: ${(error as Error).message}`, {
        code: 'MONITOR_SERVER_UNREACHABLE',
        hint: 'See system:status; system:restart may help.',
      });
    });
    if (response.status !== 200) {
      const body = await response.text().catch(() => '');
      const message = /"message"\s*:\s*"([^"]*)"/.exec(body)?.[1];
      throw unavailable(`The server answered ${response.status} to ${path}${message ? `: ${message}` : ''}`, {
        code: 'MONITOR_SERVER_UNREACHABLE',
        details: {status: response.status},
      });
    }
    return response;
  }
}
