import {SystemPromptCommand} from '@systemprompt/core';
import type {Tool} from '@modelcontextprotocol/client';
import {mcpTarget, mcpTargetFlags, withMcpClient} from '../../../mcp-connect.js';

/** A tool as the table shows it. */
export interface McpToolRow {
  name: string;
  title: string;
  description: string;
}

export default class CliMcpList extends SystemPromptCommand<typeof CliMcpList> {
  static override summary = "List the tools of an MCP server: this installation's by default, or --url / --stdio.";
  static override description = `Connects with the official MCP client and lists every tool the server offers (all pages): name, title and description in a table; --json or --format yaml give the whole tool objects (input and output schemas, annotations).

Without --url or --stdio it asks this installation's running server (/mcp of the address in server.json), signed in with SYSTEMPROMPT_API_KEY when it is set and with the local server token otherwise; no running server is exit 6 (start one with system:start). --url names any Streamable HTTP endpoint, with --token as its bearer token. --stdio runs a command as a stdio server: one string split into the program and its arguments like a shell splits words ('single' and "double" quotes, backslash escapes; no variables or pipes); its standard error stays off the output.

--era picks the protocol era: legacy (the 2025 initialize handshake), modern (2026-07-28 only) or auto (probe, fall back to legacy). The default is auto over HTTP and legacy over stdio, where a probe would start the program twice.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --url http://127.0.0.1:8080/mcp --token "$TOKEN" --json',
    '<%= config.bin %> <%= command.id %> --stdio "npx -y @modelcontextprotocol/server-everything"',
    '<%= config.bin %> <%= command.id %> --url https://example.com/mcp --era legacy',
  ];
  static override flags = {...mcpTargetFlags};
  static override columns = ['name', 'title', 'description'];

  async run(): Promise<McpToolRow[] | Tool[]> {
    const tools = await withMcpClient(
      mcpTarget(this.flags, this.paths.data),
      async ({client}) => (await client.listTools()).tools,
    );
    if (tools.length === 0) this.notices.push('The server offers no tools.');
    if (this.format !== 'table') return tools;
    return tools.map((tool) => ({
      name: tool.name,
      title: tool.title ?? tool.annotations?.title ?? '',
      description: (tool.description ?? '').split('\n')[0]!,
    }));
  }
}
