import {Args, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import type {DeletedResource} from '../../services/resources.js';

export default class ResourcesDelete extends McpCommand<typeof ResourcesDelete> {
  static override summary = 'Delete a resource (dangerous: asks for confirmation); its file stays.';
  static override description =
    "MCP clients stop seeing it at once; a file it served stays in the data directory. Takes resources:write, and you must hold the resource's permission; both are checked before anything else. --dry-run checks and deletes nothing.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> docs://guide',
    '<%= config.bin %> <%= command.id %> docs://guide --confirm --json',
    '<%= config.bin %> <%= command.id %> docs://guide --dry-run',
  ];
  static override args = {uri: Args.string({required: true, description: 'The URI.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<DeletedResource> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {resources} = await this.mcp();
    return resources.delete(await this.actor(), this.args.uri, {
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
