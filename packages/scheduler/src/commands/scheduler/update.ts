import {Args, dryRunFlag} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import {changesOf, scheduleFlags} from '../../schedule-flags.js';
import {parseInput} from '../../services/targets.js';
import type {ScheduleView} from '../../services/views.js';

export default class SchedulerUpdate extends SchedulerCommand<typeof SchedulerUpdate> {
  static override summary = 'Change a schedule: its timing, target, missed policy or description.';
  static override description = `Takes scheduler:write. Only what is given changes. --cron or --at replaces the timing (next run recomputed from now); --tz alone re-reads the pattern in that zone. --workflow or --command replaces the target (a new --workflow takes its own --input), and makes you the owner its ticks run as; --input alone changes a workflow's input (and the owner likewise). --dry-run checks and changes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> user-report --cron "0 8 * * 1-5"',
    '<%= config.bin %> <%= command.id %> user-report --command "users:list --json --limit 0" --missed run-once',
    '<%= config.bin %> <%= command.id %> cleanup --input \'{"days": 7}\' --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The schedule.'})};
  static override flags = {...scheduleFlags, ...dryRunFlag};

  async run(): Promise<ScheduleView> {
    const {flags} = this;
    const dryRun = flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const input = parseInput(flags.input);
    // A workflow target (a new one, or new input for the current one) is validated by the workflows module.
    const {schedules} =
      flags.workflow !== undefined || input !== undefined ? await this.schedulerWithTargets() : await this.scheduler();
    return schedules.update(await this.actor(), this.args.name, changesOf(flags, input), {dryRun});
  }
}
