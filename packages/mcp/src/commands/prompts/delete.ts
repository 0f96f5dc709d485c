import {Args, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import type {DeletedPrompt} from '../../services/prompts.js';

export default class PromptsDelete extends McpCommand<typeof PromptsDelete> {
  static override summary = 'Delete a prompt (dangerous: asks for confirmation).';
  static override description =
    "MCP clients stop seeing it at once. Takes prompts:write, and you must hold the prompt's permission; both are checked before anything else. --dry-run checks and deletes nothing.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> code-review',
    '<%= config.bin %> <%= command.id %> code-review --confirm --json',
    '<%= config.bin %> <%= command.id %> code-review --dry-run',
  ];
  static override args = {name: Args.string({required: true, description: 'The prompt name.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<DeletedPrompt> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {prompts} = await this.mcp();
    return prompts.delete(await this.actor(), this.args.name, {
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
