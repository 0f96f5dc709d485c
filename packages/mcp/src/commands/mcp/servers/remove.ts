import {Args, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import type {RemovedUpstream} from '../../../services/upstreams.js';

export default class McpServersRemove extends McpCommand<typeof McpServersRemove> {
  static override summary = 'Remove an upstream MCP server and its tools (dangerous: asks for confirmation).';
  static override description =
    'Takes mcp:write, checked before anything else. Its tools (NAME__*) disappear for every MCP client at once, its stored headers are deleted and a running server closes its connection to it (a stdio child ends). Grants of mcp:NAME__… permissions stay until revoked. --dry-run checks and removes nothing.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> github',
    '<%= config.bin %> <%= command.id %> github --confirm --json',
    '<%= config.bin %> <%= command.id %> github --dry-run',
  ];
  static override args = {name: Args.string({required: true, description: 'The server name.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<RemovedUpstream> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {upstreams} = await this.mcp();
    return upstreams.remove(await this.actor(), this.args.name, {
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
