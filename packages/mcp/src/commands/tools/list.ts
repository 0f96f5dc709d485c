import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {TOOL_FIELDS, toolRow, type ToolRow} from '../../services/views.js';

export default class ToolsList extends McpCommand<typeof ToolsList> {
  static override summary = 'List every tool of the modules and upstream servers, with its permission and state.';
  static override description =
    'Takes tools:read. A disabled tool is hidden from every MCP client; an unavailable one belongs to an upstream server that cannot be reached. mcp:tools:list shows what you yourself may call.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter enabled=false',
    '<%= config.bin %> <%= command.id %> --filter source=upstream --json',
  ];
  static override flags = {...listFlags};
  static override columns = TOOL_FIELDS;

  async run(): Promise<ListResult<ToolRow>> {
    const query = this.listQuery({fields: TOOL_FIELDS, defaultLimit: null});
    const mcp = await this.mcpWithAllTools();
    const result = applyListQuery((await mcp.catalogue.list(await this.actor())).map(toolRow), query, {
      searchable: ['name', 'description', 'provider'],
    });
    if (result.total === 0 && query.filters.length === 0 && !query.search) this.notices.push('No tools.');
    return result;
  }
}
