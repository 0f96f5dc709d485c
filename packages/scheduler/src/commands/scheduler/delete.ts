import {Args, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import type {DeletedSchedule} from '../../services/schedules.js';

export default class SchedulerDelete extends SchedulerCommand<typeof SchedulerDelete> {
  static override summary = 'Delete a schedule and its history (dangerous: asks for confirmation).';
  static override description =
    'Takes scheduler:write, checked before anything else. It stops firing at once; a tick already claimed finds it gone and does nothing. --dry-run checks and deletes nothing.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly-report',
    '<%= config.bin %> <%= command.id %> nightly-report --confirm --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The schedule.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<DeletedSchedule> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {schedules} = await this.scheduler();
    return schedules.delete(await this.actor(), this.args.name, {
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
