import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import {TOOL_FIELDS, toolRow, type ToolRow} from '../../../services/views.js';

export default class McpToolsList extends McpCommand<typeof McpToolsList> {
  static override summary = 'List the tools an MCP client signed in as you sees (tools/list).';
  static override description =
    'Exactly what /mcp and mcp:serve answer to tools/list for you: the enabled tools of the modules and of reachable upstream servers whose permission you hold. tools:list shows every tool with its state (takes tools:read).';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter provider=users --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['name', 'provider', 'permission', 'description'] as const;

  async run(): Promise<ListResult<ToolRow>> {
    const query = this.listQuery({fields: TOOL_FIELDS, defaultLimit: null});
    const mcp = await this.mcpWithAllTools();
    const tools = (await mcp.catalogue.visibleTo(await this.actor())).map(toolRow);
    const result = applyListQuery(tools, query, {searchable: ['name', 'description', 'provider']});
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No tool is available to you.');
    return result;
  }
}
