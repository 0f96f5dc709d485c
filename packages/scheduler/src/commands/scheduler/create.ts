import {Args, dryRunFlag} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import {changesOf, scheduleFlags} from '../../schedule-flags.js';
import {parseInput} from '../../services/targets.js';
import type {ScheduleView} from '../../services/views.js';

export default class SchedulerCreate extends SchedulerCommand<typeof SchedulerCreate> {
  static override summary =
    'Create a schedule: a cron pattern or a one-off time that starts a workflow or runs a command.';
  static override description = `Takes scheduler:write. Give exactly one of --cron and --at, and exactly one of --workflow and --command.

Each tick runs as you (the schedule's owner): a command runs this CLI as a child process with a temporary API key of yours (your permissions at that moment, revoked when it ends), or as the local operator when you are one; a workflow starts as you. Servers fire the ticks; with none running, nothing fires until one starts (then --missed decides about the ticks that passed). --dry-run checks everything and creates nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> user-report --cron "0 7 * * 1-5" --tz Europe/Berlin --command "users:list --json"',
    '<%= config.bin %> <%= command.id %> heartbeat --cron "*/30 * * * * *" --command "system:health --json"',
    '<%= config.bin %> <%= command.id %> cleanup --cron @daily --workflow cleanup --input \'{"days": 30}\' --missed run-once',
    '<%= config.bin %> <%= command.id %> launch --at 2030-01-31T09:00:00Z --workflow launch',
  ];
  static override args = {
    name: Args.string({required: true, description: 'The schedule name: lower-case letters, digits and hyphens.'}),
  };
  static override flags = {...scheduleFlags, ...dryRunFlag};

  async run(): Promise<ScheduleView> {
    const {flags} = this;
    const dryRun = flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const input = parseInput(flags.input);
    // A workflow target is validated by the workflows module: boot it first when the schedule names one.
    const {schedules} = flags.workflow !== undefined ? await this.schedulerWithTargets() : await this.scheduler();
    return schedules.create(await this.actor(), {name: this.args.name, ...changesOf(flags, input)}, {dryRun});
  }
}
