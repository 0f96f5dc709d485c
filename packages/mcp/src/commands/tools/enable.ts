import {Args} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';

export default class ToolsEnable extends McpCommand<typeof ToolsEnable> {
  static override summary = 'Enable a tool again for every MCP client.';
  static override description =
    'Takes tools:write. Applies at once to /mcp on every server of this installation (connected clients are told the list changed) and to mcp:serve.';
  static override examples = ['<%= config.bin %> <%= command.id %> users_create'];
  static override args = {tool: Args.string({description: 'The tool name (see tools:list).', required: true})};

  async run(): Promise<{name: string; enabled: boolean; changed: boolean}> {
    const mcp = await this.mcpWithAllTools();
    const result = await mcp.catalogue.setEnabled(await this.actor(), this.args.tool, true);
    if (!result.changed) this.notices.push(`${result.name} was already enabled.`);
    return result;
  }
}
