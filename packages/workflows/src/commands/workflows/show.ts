import {Args, SystemPromptCommand, textResult, type TextResult} from '@systemprompt/core';
import {WORKFLOWS} from '../../token.js';

export default class WorkflowsShow extends SystemPromptCommand<typeof WorkflowsShow> {
  static override summary = 'Show a workflow: its version and its definition (YAML on a terminal).';
  static override description = 'Takes workflows:read. With --json: the summary and the definition as data.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly-report',
    '<%= config.bin %> <%= command.id %> nightly-report --json',
  ];
  static override args = {name: Args.string({description: 'The workflow name.', required: true})};

  async run(): Promise<TextResult> {
    const {definitions} = await this.service(WORKFLOWS);
    const view = await definitions.get(await this.actor(), this.args.name);
    const {stringify} = await import('yaml');
    const heading = `# ${view.name}, version ${view.version}, updated ${view.updatedAt} by ${view.updatedBy}\n`;
    return textResult(heading + stringify(view.definition), view);
  }
}
