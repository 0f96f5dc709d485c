import {listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {PROMPT_LIST_FIELDS, type PromptView} from '../../services/prompts.js';

export default class PromptsList extends McpCommand<typeof PromptsList> {
  static override summary = 'List the prompts with their permission.';
  static override description = `Every prompt (takes prompts:read), whatever its permission; mcp:prompts:list shows those an MCP client signed in as you sees. Filtering, searching (name, title, description), sorting and paging happen in the database; --sort and --filter take: ${PROMPT_LIST_FIELDS.join(', ')}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter permission=prompts:read --json',
    '<%= config.bin %> <%= command.id %> --search review --sort updatedAt --order desc',
  ];
  static override flags = {...listFlags};
  static override columns = ['name', 'title', 'description', 'permission', 'updatedAt'];

  async run(): Promise<ListResult<PromptView>> {
    const query = this.listQuery({fields: PROMPT_LIST_FIELDS, defaultLimit: 50, defaultSort: 'name'});
    const {prompts} = await this.mcp();
    return prompts.list(await this.actor(), query);
  }
}
