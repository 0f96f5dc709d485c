import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {fileURLToPath} from 'node:url';
import {McpServer, createMcpHandler, fromJsonSchema} from '@modelcontextprotocol/server';
import {toNodeHandler} from '@modelcontextprotocol/node';

/** The stdio upstream fixture (tools echo, exit, and one whose name does not fit the gateway). */
export const STDIO_FIXTURE = fileURLToPath(new URL('fixtures/stdio-server.mjs', import.meta.url));

/** An upstream MCP server over Streamable HTTP on a free loopback port, behind a bearer check. */
export interface HttpUpstream {
  /** Its /mcp endpoint. */
  url: string;
  /** Requests that carried the right Authorization header, and those refused (401). */
  authorized: number;
  refused: number;
  /** Every Authorization header value it received (to prove which credential was sent). */
  seen: string[];
  /** Set to serve a third tool, `extra`, from the next session on (a changed tool list for refresh). */
  extraTool: boolean;
  close(): Promise<void>;
}

/**
 * Starts an upstream with the official SDK: `sum` ({a, b} to {sum}, read-only) and `fail` (always
 * an error result), and `extra` once `extraTool` is set. Every request must carry `Authorization: <authorization>`; others get 401.
 */
export async function startHttpUpstream(authorization: string, port = 0): Promise<HttpUpstream> {
  const state = {authorized: 0, refused: 0, seen: [] as string[], extraTool: false};
  const handler = createMcpHandler(() => {
    const server = new McpServer({name: 'fixture-http', version: '1.0.0'});
    server.registerTool(
      'sum',
      {
        title: 'Sum',
        description: 'Adds two numbers',
        inputSchema: fromJsonSchema<{a: number; b: number}>({
          type: 'object',
          properties: {a: {type: 'number'}, b: {type: 'number'}},
          required: ['a', 'b'],
        }),
        outputSchema: fromJsonSchema({type: 'object', properties: {sum: {type: 'number'}}, required: ['sum']}),
        annotations: {readOnlyHint: true, idempotentHint: true},
      },
      async ({a, b}) => ({content: [{type: 'text', text: String(a + b)}], structuredContent: {sum: a + b}}),
    );
    server.registerTool(
      'fail',
      {description: 'Always reports an error', inputSchema: fromJsonSchema({type: 'object'})},
      async () => ({content: [{type: 'text', text: 'it went wrong'}], isError: true}),
    );
    if (state.extraTool)
      server.registerTool(
        'extra',
        {description: 'Appears later', inputSchema: fromJsonSchema({type: 'object'})},
        async () => ({content: [{type: 'text', text: 'extra'}]}),
      );
    return server;
  });
  const node = toNodeHandler(handler);
  const http: Server = createServer((request, response) => {
    state.seen.push(String(request.headers.authorization ?? ''));
    if (request.headers.authorization !== authorization) {
      state.refused += 1;
      response.writeHead(401, {'content-type': 'application/json'}).end('{"error":"unauthorized"}');
      return;
    }
    state.authorized += 1;
    void node(request, response);
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return Object.assign(state, {
    url: `http://127.0.0.1:${address.port}/mcp`,
    close: () =>
      (closed ??= (async () => {
        await handler.close?.();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })()),
  });
}

/** A loopback port nobody listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
