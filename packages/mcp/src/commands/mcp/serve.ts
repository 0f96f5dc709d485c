import {Flags, invalidInput} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {serveOverStdio} from '../../server/stdio.js';

export default class McpServe extends McpCommand<typeof McpServe> {
  static override summary = 'Serve the OS as an MCP server over stdio, for desktop clients.';
  static override description =
    'Speaks MCP (both protocol eras) on stdin/stdout until the client closes stdin, acting as the user of SYSTEMPROMPT_API_KEY (or your session, or the local administrator under auth.localTrust): the same tools, prompts and resources as /mcp, with the same permissions, audit and rate limits. Nothing else is written to stdout; notices go to stderr. For a client\'s configuration: command "systemprompt", args ["mcp:serve", "--stdio"].';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --stdio',
    'SYSTEMPROMPT_API_KEY=spk_... <%= config.bin %> <%= command.id %> --stdio',
  ];
  static override flags = {
    stdio: Flags.boolean({
      description: 'Serve over stdin/stdout (the only transport here; /mcp is served by system:start).',
    }),
  };

  async run(): Promise<void> {
    if (!this.flags.stdio)
      throw invalidInput('mcp:serve needs --stdio', {
        code: 'MCP_TRANSPORT_MISSING',
        hint: 'Streamable HTTP is served at /mcp by system:start; use --stdio for a desktop client.',
      });
    const actor = await this.actor();
    const mcp = await this.mcpWithAllTools();
    await serveOverStdio(mcp, actor, this.stopSignal);
  }
}
