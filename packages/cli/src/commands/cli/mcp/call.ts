import {
  Args,
  ExitCode,
  Flags,
  SystemPromptCommand,
  SystemPromptError,
  invalidInput,
  textResult,
  type TextResult,
} from '@systemprompt/core';
import {mcpTarget, mcpTargetFlags, withMcpClient} from '../../../mcp-connect.js';

/** Content blocks as text: text as it is, anything else named by its kind. */
function contentText(content: ReadonlyArray<Record<string, unknown>>): string {
  return content
    .map((block) => {
      if (block.type === 'text') return String(block.text ?? '');
      if (block.type === 'resource_link') return `[resource ${String(block.uri)}]`;
      if (block.type === 'resource') {
        const resource = (block.resource ?? {}) as {uri?: unknown; text?: unknown};
        return typeof resource.text === 'string' ? resource.text : `[resource ${String(resource.uri)}]`;
      }
      return `[${String(block.type)}${block.mimeType ? ` ${String(block.mimeType)}` : ''}]`;
    })
    .join('\n');
}

export default class CliMcpCall extends SystemPromptCommand<typeof CliMcpCall> {
  static override summary = "Call a tool of an MCP server (this installation's by default) and print its result.";
  static override description = `--args is a JSON object of arguments (default {}); anything else is exit 2, before anything is contacted. A structured result (structuredContent) is printed as a record (the object itself with --json); otherwise the text content is printed as text. A result the tool marks as an error ends with exit 1 and its text as the error message; a request the server refuses (an unknown tool, arguments it rejects at the protocol level) is exit 2.

The server is named as for cli:mcp:list: by default this installation's running server (/mcp, with SYSTEMPROMPT_API_KEY or the local server token), --url with --token, or --stdio with a command split like a shell splits words; --era legacy|modern|auto (default auto over HTTP, legacy over stdio).`;
  static override examples = [
    `<%= config.bin %> <%= command.id %> users_list --args '{"limit": 5}'`,
    `<%= config.bin %> <%= command.id %> echo --args '{"message":"hi"}' --stdio "npx -y @modelcontextprotocol/server-everything"`,
    `<%= config.bin %> <%= command.id %> search --args '{"q":"mcp"}' --url http://127.0.0.1:8080/mcp --token "$TOKEN" --json`,
  ];
  static override args = {tool: Args.string({required: true, description: 'The name of the tool.'})};
  static override flags = {
    args: Flags.string({description: 'The arguments, a JSON object (default {}).'}),
    ...mcpTargetFlags,
  };

  async run(): Promise<Record<string, unknown> | TextResult> {
    let input: unknown = {};
    if (this.flags.args !== undefined) {
      try {
        input = JSON.parse(this.flags.args);
      } catch (error) {
        throw invalidInput(`--args is not valid JSON: ${(error as Error).message}`, {
          code: 'MCP_ARGS_INVALID',
          hint: `Give a JSON object, e.g. --args '{"text": "hello"}'.`,
        });
      }
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw invalidInput('--args must be a JSON object', {
        code: 'MCP_ARGS_INVALID',
        hint: `E.g. --args '{"text": "hello"}'; see the tool's input schema with cli:mcp:list --json.`,
      });
    const tool = this.args.tool;
    const result = await withMcpClient(mcpTarget(this.flags, this.paths.data), ({client}) =>
      client.callTool({name: tool, arguments: input as Record<string, unknown>}),
    );
    const content = (result.content ?? []) as ReadonlyArray<Record<string, unknown>>;
    const text = contentText(content);
    if (result.isError) {
      const line = text.replace(/\s+/g, ' ').trim();
      throw new SystemPromptError(line ? line.slice(0, 1000) : `${tool} reported an error`, {
        code: 'MCP_TOOL_ERROR',
        exitCode: ExitCode.Unexpected,
        details: {tool},
      });
    }
    const structured = result.structuredContent;
    if (typeof structured === 'object' && structured !== null && !Array.isArray(structured))
      return structured as Record<string, unknown>;
    return textResult(text);
  }
}
