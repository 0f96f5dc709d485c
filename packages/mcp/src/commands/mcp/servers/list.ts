import McpServers from '../servers.js';

/** The same list as the bare mcp:servers. */
export default class McpServersList extends McpServers {
  static override summary = 'List the upstream MCP servers (same as mcp:servers).';
}
