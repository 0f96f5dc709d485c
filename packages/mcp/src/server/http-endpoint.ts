import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Actor, EventBus, HttpExchange, HttpRoutes, Logger} from '@systemprompt/core';
import type {McpApi} from '../index.js';
import {buildProtocolServer} from './protocol.js';

export const MCP_PATH = '/mcp';
/** RFC 9728's path-aware location of /mcp's protected-resource metadata. */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource/mcp';

type Guard = (request: IncomingMessage, response: ServerResponse) => boolean;

interface Endpoint {
  serve(request: IncomingMessage, response: ServerResponse, body: unknown, actor: Actor): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The SDK's handler for both protocol eras (2025-11-25 `initialize`, stateless; 2026-07-28 with
 * `server/discover`), built on the first request so CLI processes never import the SDK. Each request
 * gets a server for its own caller; list changes reach clients that listen for them.
 */
async function createEndpoint(mcp: McpApi, events: EventBus, logger: Logger): Promise<Endpoint> {
  const sdk = await import('@modelcontextprotocol/server');
  const node = await import('@modelcontextprotocol/node');
  const handler = sdk.createMcpHandler(({authInfo}) =>
    buildProtocolServer(sdk, mcp, (authInfo?.extra as {actor: Actor}).actor),
  );
  const serveNode = node.toNodeHandler(handler, {
    onerror: (error: unknown) => logger.error({err: error}, 'MCP request failed'),
  });
  // DNS rebinding: /mcp answers loopback names and those the configuration lists (or anything with '*').
  const allowed = mcpHostNames(mcp.config);
  const guards: Guard[] = allowed.includes('*')
    ? []
    : [node.hostHeaderValidation(allowed), node.originValidation(allowed)];
  const unsubscribe = [
    events.on('mcp.tools.changed', () => handler.notify.toolsChanged()),
    events.on('mcp.prompts.changed', () => handler.notify.promptsChanged()),
    events.on('mcp.resources.changed', () => handler.notify.resourcesChanged()),
  ];
  return {
    async serve(request, response, body, actor) {
      for (const guard of guards) if (!guard(request, response)) return;
      // The SDK reads the verified caller from `request.auth` (pass-through: the server authenticated it).
      const auth = {token: '', clientId: actor.id, scopes: actor.scopes ?? [], extra: {actor}};
      await serveNode(Object.assign(request, {auth}), response, body);
    },
    async close() {
      for (const off of unsubscribe) off();
      await handler.close();
    },
  };
}

/** The host names /mcp answers: loopback names, `mcp.allowedHosts` and the public URL's (`*`: any). */
export function mcpHostNames(config: McpApi['config']): string[] {
  const allowed = [...LOOPBACK_NAMES, ...config.allowedHosts];
  if (config.publicUrl) allowed.push(new URL(config.publicUrl).hostname);
  return allowed;
}

/** The base URL /mcp is served at: the configured public URL, else as the client addressed the server. */
export const mcpBase = (mcp: McpApi, origin: string): string =>
  mcp.config.publicUrl ? mcp.config.publicUrl.replace(/\/+$/, '') : origin;

/** The RFC 9728 document: what /mcp is, how to present a credential and, with one, where to get it. */
function resourceMetadata(mcp: McpApi, exchange: HttpExchange) {
  const base = mcpBase(mcp, exchange.origin);
  const authorization = mcp.authorization;
  return {
    resource: `${base}${MCP_PATH}`,
    resource_name: 'SystemPrompt OS',
    ...(authorization
      ? {authorization_servers: authorization.servers(base), scopes_supported: authorization.scopes()}
      : {}),
    bearer_methods_supported: ['header'],
    resource_documentation: `${base}/.well-known/oauth-protected-resource`,
  };
}

function sendJson(response: ServerResponse, body: unknown): void {
  response.writeHead(200, {'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=300'});
  response.end(JSON.stringify(body));
}

/** Mounts /mcp and its protected-resource metadata on the system server. */
export interface McpEndpointHandle {
  /** Imports the SDK and builds the handler now (the server's start), not on the first request. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export function mountMcpEndpoint(http: HttpRoutes, mcp: McpApi, events: EventBus, logger: Logger): McpEndpointHandle {
  let endpoint: Promise<Endpoint> | undefined;
  const ready = () => (endpoint ??= createEndpoint(mcp, events, logger));
  http.mount({
    path: MCP_PATH,
    methods: ['GET', 'POST', 'DELETE'],
    permission: 'authenticated',
    summary: 'MCP over Streamable HTTP (protocol 2025-11-25 and 2026-07-28): tools, prompts, resources',
    resourceMetadataPath: RESOURCE_METADATA_PATH,
    ownRateLimits: true,
    ownMetrics: true,
    handle: async ({actor, request, response, body}) => (await ready()).serve(request, response, body, actor),
  });
  for (const path of [RESOURCE_METADATA_PATH, '/.well-known/oauth-protected-resource']) {
    http.mount({
      path,
      methods: ['GET'],
      permission: 'public',
      summary: 'OAuth protected-resource metadata of /mcp (RFC 9728)',
      handle: async (exchange) => sendJson(exchange.response, resourceMetadata(mcp, exchange)),
    });
  }
  return {
    warm: async () => void (await ready()),
    close: async () => {
      if (endpoint) await (await endpoint).close();
      endpoint = undefined;
    },
  };
}
