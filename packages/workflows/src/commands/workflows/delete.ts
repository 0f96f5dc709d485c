import {Args, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {WORKFLOWS} from '../../token.js';

export default class WorkflowsDelete extends SystemPromptCommand<typeof WorkflowsDelete> {
  static override summary = 'Delete a workflow definition (asks for confirmation).';
  static override description =
    'Takes workflows:write. Its runs stay in the history, and runs not yet finished go on (each holds the definition it started with). Without a terminal it needs --confirm.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly-report --confirm',
    '<%= config.bin %> <%= command.id %> nightly-report --dry-run',
  ];
  static override args = {name: Args.string({description: 'The workflow name.', required: true})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<{name: string; version: number; deleted: boolean; dryRun?: true}> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {definitions} = await this.service(WORKFLOWS);
    return definitions.delete(await this.actor(), this.args.name, {
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
