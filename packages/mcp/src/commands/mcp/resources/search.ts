import {Args, Flags} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import {rankByQuery} from '../../../services/search.js';
import type {ResourceView} from '../../../services/resources.js';

export default class McpResourcesSearch extends McpCommand<typeof McpResourcesSearch> {
  static override summary = 'Search the resources you may use by name and description, best match first.';
  static override description =
    'Ranks the resources of mcp:resources:list the way mcp:tools:search ranks tools (see the mcp README).';
  static override examples = ['<%= config.bin %> <%= command.id %> review'];
  static override args = {query: Args.string({description: 'Words to look for.', required: true})};
  static override flags = {limit: Flags.integer({description: 'At most this many results.', min: 1, default: 20})};
  static override columns = ['uri', 'score', 'description'] as const;

  async run(): Promise<Array<ResourceView & {score: number}>> {
    const visible = await (await this.mcp()).resources.visibleTo(await this.actor());
    const ranked = rankByQuery(visible, this.args.query);
    if (ranked.length === 0) this.notices.push(`No resource matches "${this.args.query}".`);
    return ranked.slice(0, this.flags.limit);
  }
}
