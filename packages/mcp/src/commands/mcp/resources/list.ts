import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import type {ResourceView} from '../../../services/resources.js';

const FIELDS = ['uri', 'name', 'mimeType', 'description', 'permission'] as const;

export default class McpResourcesList extends McpCommand<typeof McpResourcesList> {
  static override summary = 'List the resources an MCP client signed in as you sees (resources/list).';
  static override description =
    'Exactly what /mcp and mcp:serve answer to resources/list for you: the resources whose permission you hold. resources:list manages them.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<ResourceView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null});
    const visible = await (await this.mcp()).resources.visibleTo(await this.actor());
    const result = applyListQuery(visible, query, {searchable: [...FIELDS]});
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No resource is available to you.');
    return result;
  }
}
