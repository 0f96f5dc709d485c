import {Args, Flags} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {parseArgumentValues, type PromptView, type RenderedPrompt} from '../../services/prompts.js';

export default class PromptsGet extends McpCommand<typeof PromptsGet> {
  static override summary = 'Show a prompt, or render it with --arg as an MCP client gets it.';
  static override description = `Without --arg (or --render) it shows the prompt: its template, arguments and permission (takes prompts:read). With --arg NAME=VALUE (repeatable) or --render it fills in the template exactly as prompts/get does over MCP: you must hold the prompt's permission (a refusal is audited), give every required argument and no other.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> code-review',
    '<%= config.bin %> <%= command.id %> code-review --arg diff="$(git diff)" --arg focus=security',
    '<%= config.bin %> <%= command.id %> hello --render --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The prompt name.'})};
  static override flags = {
    arg: Flags.string({
      description: 'An argument value as NAME=VALUE (repeatable); renders the prompt.',
      multiple: true,
    }),
    render: Flags.boolean({description: 'Render the prompt (also without arguments).'}),
  };

  async run(): Promise<PromptView | RenderedPrompt> {
    const {prompts} = await this.mcp();
    const actor = await this.actor();
    if (!this.flags.render && !this.flags.arg?.length) return prompts.get(actor, this.args.name);
    return prompts.render(actor, this.args.name, parseArgumentValues(this.flags.arg ?? []));
  }
}
