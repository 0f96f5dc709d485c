import {McpCommand} from '../../mcp-command.js';

export interface RefreshResult {
  modules: number;
  moduleTools: number;
  servers: Array<{name: string; status: string; tools: number; error?: string}>;
  total: number;
}

export default class ToolsRefresh extends McpCommand<typeof ToolsRefresh> {
  static override summary = 'Rescan the tools of the modules and of every upstream server.';
  static override description =
    "Takes tools:write. Boots every enabled module (their tools are registered as they start), lists each upstream server's tools again and stores them, so every server of this installation serves the new list; an unreachable upstream is marked and its tools become unavailable.";
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  async run(): Promise<RefreshResult> {
    const actor = await this.actor();
    const mcp = await this.mcpWithAllTools();
    const servers = await mcp.upstreams.refresh(actor);
    const tools = await mcp.catalogue.list(actor);
    const moduleTools = tools.filter((tool) => tool.source === 'module');
    return {
      modules: new Set(moduleTools.map((tool) => tool.provider)).size,
      moduleTools: moduleTools.length,
      servers,
      total: tools.length,
    };
  }
}
