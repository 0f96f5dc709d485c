import {liveServer} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {SERVER_NAME} from '../../server/protocol.js';
import {MCP_PATH, RESOURCE_METADATA_PATH} from '../../server/http-endpoint.js';

export interface McpCapabilities {
  server: {name: string; version: string};
  protocolVersions: string[];
  transports: Array<{transport: string; endpoint: string; running: boolean}>;
  capabilities: Record<string, unknown>;
  authentication: {scheme: string; resourceMetadata: string | null};
  available: {tools: number; prompts: number; resources: number};
  upstreamServers: number;
}

export default class McpCapabilitiesCommand extends McpCommand<typeof McpCapabilitiesCommand> {
  static override summary =
    'What the OS offers MCP clients: protocol versions, transports, capabilities, and what you may use.';
  static override description =
    'The protocol versions /mcp and mcp:serve speak (the 2025 initialize handshake and the stateless 2026 protocol with server/discover), where to connect, how to authenticate, and how many tools, prompts and resources are available to you. Takes mcp:read.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<McpCapabilities> {
    const actor = await this.actor();
    const mcp = await this.mcpWithAllTools();
    await mcp.catalogue.checkRead(actor);
    const {SUPPORTED_PROTOCOL_VERSIONS} = await import('@modelcontextprotocol/server');
    const server = liveServer(this.paths.data);
    const url = server?.url ? `${server.url}${MCP_PATH}` : `http://127.0.0.1:<port>${MCP_PATH}`;
    return {
      server: {name: SERVER_NAME, version: mcp.version},
      // The SDK's list holds the initialize-era versions only; the stateless 2026-07-28 protocol is served too.
      protocolVersions: ['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS],
      transports: [
        {transport: 'streamable-http', endpoint: url, running: Boolean(server)},
        {transport: 'stdio', endpoint: `${this.config.bin} mcp:serve --stdio`, running: false},
      ],
      capabilities: {tools: {listChanged: true}, prompts: {listChanged: true}, resources: {listChanged: true}},
      authentication: {
        scheme: 'Authorization: Bearer <API key (api:keys:create) or token (auth:token)>',
        resourceMetadata: server?.url ? `${server.url}${RESOURCE_METADATA_PATH}` : null,
      },
      available: {
        tools: (await mcp.catalogue.visibleTo(actor)).length,
        prompts: (await mcp.prompts.visibleTo(actor)).length,
        resources: (await mcp.resources.visibleTo(actor)).length,
      },
      upstreamServers: (await mcp.upstreams.list(actor)).length,
    };
  }
}
