import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {parseArgumentSpec, readTemplateFile, type PromptPreview, type PromptView} from '../../services/prompts.js';

export default class PromptsCreate extends McpCommand<typeof PromptsCreate> {
  static override summary = 'Create a prompt template that MCP clients can list and get.';
  static override description = `The template fills in {{NAME}} placeholders with the arguments a client gives (prompts/get); every placeholder must be a declared --argument and every argument must be used. Arguments are required unless written NAME?:DESCRIPTION.

--permission names what a caller must hold to see and get the prompt over MCP (default prompts:read); it must be a permission you hold yourself. Takes prompts:write. --dry-run checks everything and creates nothing.`;
  static override examples = [
    `<%= config.bin %> <%= command.id %> code-review --description "Review a diff" --template "Review this diff for {{focus}}:\\n{{diff}}" --argument "diff:The unified diff" --argument "focus?:What to look at"`,
    '<%= config.bin %> <%= command.id %> incident-summary --description "Summarize an incident" --template-file ./incident.md --argument "ticket:Ticket id" --permission users:read',
    '<%= config.bin %> <%= command.id %> hello --description "Greets" --template "Hello!" --dry-run --json',
  ];
  static override args = {
    name: Args.string({
      required: true,
      description: 'The prompt name (lower-case letters, digits, _ and -): what MCP clients ask for.',
    }),
  };
  static override flags = {
    description: Flags.string({required: true, description: 'What the prompt is for (shown to MCP clients).'}),
    template: Flags.string({
      description: 'The template text, with {{NAME}} placeholders.',
      exactlyOne: ['template', 'template-file'],
    }),
    'template-file': Flags.string({
      description: 'Read the template from this file (UTF-8).',
      exactlyOne: ['template', 'template-file'],
    }),
    argument: Flags.string({
      description: 'An argument: NAME:DESCRIPTION, or NAME?:DESCRIPTION when optional (repeatable).',
      multiple: true,
    }),
    title: Flags.string({description: 'A human-readable title (at most 200 characters).'}),
    permission: Flags.string({
      description: 'What a caller must hold to see and get it over MCP (default prompts:read).',
    }),
    ...dryRunFlag,
  };

  async run(): Promise<PromptView | PromptPreview> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {title, permission} = this.flags;
    const template = this.flags['template-file']
      ? await readTemplateFile(this.flags['template-file'])
      : this.flags.template;
    const {prompts} = await this.mcp();
    return prompts.create(
      await this.actor(),
      {
        name: this.args.name,
        description: this.flags.description,
        template: template ?? '',
        arguments: (this.flags.argument ?? []).map(parseArgumentSpec),
        ...(title === undefined ? {} : {title}),
        ...(permission === undefined ? {} : {permission}),
      },
      {dryRun},
    );
  }
}
