import {
  Args,
  Flags,
  SystemPromptError,
  ExitCode,
  invalidInput,
  permissionDenied,
  unavailable,
} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';

export interface ToolTestResult {
  tool: string;
  outcome: string;
  durationMs: number;
  text: string;
  structuredContent?: Record<string, unknown>;
}

export default class McpToolsTest extends McpCommand<typeof McpToolsTest> {
  static override summary = 'Call a tool as you, through the same path as an MCP client, and print its result.';
  static override description =
    "Validates --args against the tool's input schema, checks your permission, calls it and audits the call, exactly as /mcp does. A tool that answers with an error exits 1 (denied 4, invalid arguments 2, rate limited 6).";
  static override examples = [
    '<%= config.bin %> <%= command.id %> system_ping',
    `<%= config.bin %> <%= command.id %> users_list --args '{"limit": 5}'`,
  ];
  static override args = {tool: Args.string({description: 'The tool name (see mcp:tools:list).', required: true})};
  static override flags = {
    args: Flags.string({description: 'The arguments, a JSON object.', default: '{}', helpValue: 'JSON'}),
  };

  async run(): Promise<ToolTestResult> {
    let input: unknown;
    try {
      input = JSON.parse(this.flags.args);
    } catch {
      throw invalidInput('--args is not valid JSON', {
        code: 'TOOL_ARGUMENTS_INVALID',
        hint: `Example: --args '{"limit": 5}'`,
      });
    }
    const mcp = await this.mcpWithAllTools();
    const {outcome, result, durationMs} = await mcp.calls.call(
      await this.actor(),
      this.args.tool,
      input,
      this.stopSignal,
    );
    const text = result.content
      .map((part) => (typeof part.text === 'string' ? part.text : JSON.stringify(part)))
      .join('\n');
    if (outcome === 'denied') throw permissionDenied(text.replace(/^permission denied: /, ''));
    if (outcome === 'invalid') throw invalidInput(text, {code: 'TOOL_ARGUMENTS_INVALID'});
    if (outcome === 'limited') throw unavailable(text, {code: 'MCP_RATE_LIMITED'});
    if (result.isError)
      throw new SystemPromptError(`${this.args.tool} answered with an error: ${text}`, {
        code: 'TOOL_FAILED',
        exitCode: ExitCode.Unexpected,
      });
    return {
      tool: this.args.tool,
      outcome,
      durationMs,
      text,
      ...(result.structuredContent ? {structuredContent: result.structuredContent} : {}),
    };
  }
}
