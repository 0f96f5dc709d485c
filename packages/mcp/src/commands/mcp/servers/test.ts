import {Args, ExitCode} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import type {UpstreamTestResult} from '../../../services/upstreams.js';

export default class McpServersTest extends McpCommand<typeof McpServersTest> {
  static override summary = 'Connect to an upstream MCP server and list its tools; exit 6 when it cannot be reached.';
  static override description =
    'Takes mcp:write, since the stored headers (credentials) are sent. Reports whether the server answered, the protocol version and era it speaks (legacy: 2025 initialize; modern: 2026-07-28), how many tools it has and how long the look took. What it finds is stored: its tools and status are refreshed for every MCP client.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> github',
    '<%= config.bin %> <%= command.id %> github --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The server name.'})};

  async run(): Promise<UpstreamTestResult> {
    const {upstreams} = await this.mcp();
    const result = await upstreams.test(await this.actor(), this.args.name);
    if (!result.reachable) this.exitAfterOutput(ExitCode.Unavailable);
    return result;
  }
}
