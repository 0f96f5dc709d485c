import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import {parseArgumentSpec, readTemplateFile, type PromptPreview, type PromptView} from '../../services/prompts.js';

export default class PromptsUpdate extends McpCommand<typeof PromptsUpdate> {
  static override summary = "Change a prompt's title, description, template, arguments or permission.";
  static override description = `--argument replaces all the arguments (give each one again); --clear-arguments removes them. The template and the arguments are checked together as they will be: every {{placeholder}} declared, every argument used. --title "" removes the title.

Takes prompts:write, and you must hold the prompt's permission (and the new one, with --permission). --dry-run shows the prompt as it would be and changes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> code-review --description "Review a diff for bugs"',
    '<%= config.bin %> <%= command.id %> code-review --template-file ./review.md --argument "diff:The diff" --argument "focus?:Focus"',
    '<%= config.bin %> <%= command.id %> code-review --permission users:read --dry-run',
  ];
  static override args = {name: Args.string({required: true, description: 'The prompt name.'})};
  static override flags = {
    title: Flags.string({description: 'A new title ("" removes it).'}),
    description: Flags.string({description: 'A new description.'}),
    template: Flags.string({description: 'A new template.', exclusive: ['template-file']}),
    'template-file': Flags.string({description: 'Read the new template from this file.', exclusive: ['template']}),
    argument: Flags.string({
      description: 'The arguments, all of them: NAME:DESCRIPTION, or NAME?:DESCRIPTION when optional (repeatable).',
      multiple: true,
      exclusive: ['clear-arguments'],
    }),
    'clear-arguments': Flags.boolean({description: 'Remove every argument.', exclusive: ['argument']}),
    permission: Flags.string({description: 'What a caller must hold to see and get it over MCP.'}),
    ...dryRunFlag,
  };

  async run(): Promise<PromptView | PromptPreview> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {title, description, permission} = this.flags;
    const template = this.flags['template-file']
      ? await readTemplateFile(this.flags['template-file'])
      : this.flags.template;
    const declared = this.flags['clear-arguments'] ? [] : this.flags.argument?.map(parseArgumentSpec);
    const {prompts} = await this.mcp();
    return prompts.update(
      await this.actor(),
      this.args.name,
      {
        ...(title === undefined ? {} : {title}),
        ...(description === undefined ? {} : {description}),
        ...(template === undefined ? {} : {template}),
        ...(declared === undefined ? {} : {arguments: declared}),
        ...(permission === undefined ? {} : {permission}),
      },
      {dryRun},
    );
  }
}
