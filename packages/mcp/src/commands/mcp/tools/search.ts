import {Args, Flags} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import {rankByQuery} from '../../../services/search.js';
import {toolRow, type ToolRow} from '../../../services/views.js';

export default class McpToolsSearch extends McpCommand<typeof McpToolsSearch> {
  static override summary = 'Search the tools you may call by name and description, best match first.';
  static override description =
    'Ranks the tools of mcp:tools:list: the query as the whole name first, then names starting with it, then names containing it; each word of the query counts more in the name than in the description (see the mcp README).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> user',
    '<%= config.bin %> <%= command.id %> "create user" --limit 3',
  ];
  static override args = {query: Args.string({description: 'Words to look for.', required: true})};
  static override flags = {limit: Flags.integer({description: 'At most this many results.', min: 1, default: 20})};
  static override columns = ['name', 'score', 'provider', 'description'] as const;

  async run(): Promise<Array<ToolRow & {score: number}>> {
    const mcp = await this.mcpWithAllTools();
    const ranked = rankByQuery((await mcp.catalogue.visibleTo(await this.actor())).map(toolRow), this.args.query);
    if (ranked.length === 0) this.notices.push(`No tool matches "${this.args.query}".`);
    return ranked.slice(0, this.flags.limit);
  }
}
