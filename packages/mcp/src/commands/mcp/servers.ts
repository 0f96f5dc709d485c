import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import type {UpstreamView} from '../../services/upstreams.js';

const FIELDS = ['name', 'transport', 'target', 'status', 'toolCount', 'refreshedAt', 'createdAt'] as const;

export default class McpServers extends McpCommand<typeof McpServers> {
  static override summary = 'List the upstream MCP servers whose tools the OS serves as NAME__tool.';
  static override description = `Takes mcp:read. Shows each server's URL (HTTP) or command (stdio), the names of its stored headers (never their values), its status (ok, or unreachable with the last error), how many tools it has and when they were last listed. mcp:servers and mcp:servers:list are the same command.

--filter and --sort take: name, transport, target, status, toolCount, refreshedAt, createdAt; --search looks in the name, target, status and last error.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter status=unreachable',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['name', 'transport', 'target', 'headerNames', 'status', 'toolCount', 'lastError'];

  async run(): Promise<ListResult<UpstreamView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'name'});
    const {upstreams} = await this.mcp();
    const servers = await upstreams.list(await this.actor());
    if (servers.length === 0) this.notices.push('No upstream MCP server yet; add one with mcp:servers:add.');
    return applyListQuery(servers, query, {searchable: ['name', 'target', 'status', 'lastError']});
  }
}
