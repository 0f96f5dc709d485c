import {Args} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {toolRow, type ToolRow} from '../../services/views.js';

export interface ToolInfo extends ToolRow {
  title?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  upstreamName?: string;
}

export default class ToolsInfo extends McpCommand<typeof ToolsInfo> {
  static override summary = 'Show one tool: its provider, permission, state and input and output schemas.';
  static override description = 'Takes tools:read.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> users_create',
    '<%= config.bin %> <%= command.id %> users_list --json',
  ];
  static override args = {tool: Args.string({description: 'The tool name.', required: true})};

  async run(): Promise<ToolInfo> {
    const mcp = await this.mcpWithAllTools();
    const tool = await mcp.catalogue.describe(await this.actor(), this.args.tool);
    return {
      ...toolRow(tool),
      ...(tool.title ? {title: tool.title} : {}),
      inputSchema: tool.inputSchema,
      ...(tool.outputSchema ? {outputSchema: tool.outputSchema} : {}),
      ...(tool.annotations ? {annotations: {...tool.annotations}} : {}),
      ...(tool.upstreamName ? {upstreamName: tool.upstreamName} : {}),
    };
  }
}
