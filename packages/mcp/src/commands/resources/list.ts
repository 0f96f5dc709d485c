import {listFlags, type ListResult} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {RESOURCE_LIST_FIELDS, type ResourceView} from '../../services/resources.js';

export default class ResourcesList extends McpCommand<typeof ResourcesList> {
  static override summary = 'List the resources with their source and permission.';
  static override description = `Every resource (takes resources:read), whatever its permission; mcp:resources:list shows those an MCP client signed in as you sees. Filtering, searching (uri, name, title, description), sorting and paging happen in the database; --sort and --filter take: ${RESOURCE_LIST_FIELDS.join(', ')} (source is text or file).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter source=file --json',
    '<%= config.bin %> <%= command.id %> --search guide --sort updatedAt --order desc',
  ];
  static override flags = {...listFlags};
  static override columns = ['uri', 'name', 'mimeType', 'file', 'permission', 'updatedAt'];

  async run(): Promise<ListResult<ResourceView>> {
    const query = this.listQuery({fields: RESOURCE_LIST_FIELDS, defaultLimit: 50, defaultSort: 'uri'});
    const {resources} = await this.mcp();
    return resources.list(await this.actor(), query);
  }
}
