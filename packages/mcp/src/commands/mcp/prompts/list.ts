import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import type {PromptView} from '../../../services/prompts.js';

const FIELDS = ['name', 'title', 'description', 'permission'] as const;

export default class McpPromptsList extends McpCommand<typeof McpPromptsList> {
  static override summary = 'List the prompts an MCP client signed in as you sees (prompts/list).';
  static override description =
    'Exactly what /mcp and mcp:serve answer to prompts/list for you: the prompts whose permission you hold. prompts:list manages them.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<PromptView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null});
    const visible = await (await this.mcp()).prompts.visibleTo(await this.actor());
    const result = applyListQuery(visible, query, {searchable: [...FIELDS]});
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No prompt is available to you.');
    return result;
  }
}
