import {Args, Flags} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import type {ResourceContents, ResourceView} from '../../services/resources.js';

export default class ResourcesGet extends McpCommand<typeof ResourcesGet> {
  static override summary = 'Show a resource, or read its content with --read as an MCP client does.';
  static override description = `Without --read it shows the resource: URI, name, MIME type, its text or file, and permission (takes resources:read). With --read it answers as resources/read does over MCP: you must hold the resource's permission (a refusal is audited); text types come as text, others as base64 (blob).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> docs://guide',
    '<%= config.bin %> <%= command.id %> docs://guide --read --json',
  ];
  static override args = {uri: Args.string({required: true, description: 'The URI.'})};
  static override flags = {read: Flags.boolean({description: 'Read the content as MCP resources/read gives it.'})};

  async run(): Promise<ResourceView | ResourceContents> {
    const {resources} = await this.mcp();
    const actor = await this.actor();
    return this.flags.read ? resources.read(actor, this.args.uri) : resources.get(actor, this.args.uri);
  }
}
