import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {SCHEDULER, timingFlags, type ScheduleView} from '@systemprompt/scheduler';
import {WorkflowsCommand} from '../../workflows-command.js';

export default class WorkflowsSchedule extends WorkflowsCommand<typeof WorkflowsSchedule> {
  static override summary = 'Start a workflow on a schedule (a cron pattern or a one-off time), through the scheduler.';
  static override description = `Takes scheduler:write, and workflows:execute on the workflow (checked now, and again as you at every tick). The same as scheduler:create NAME --workflow WORKFLOW: the schedule is named workflow-<workflow> unless --name says otherwise, and is listed, paused, run by hand and deleted with the scheduler:* commands. Each tick starts one run as you, however often its job is retried; scheduler:history shows the run each tick started. --dry-run checks everything and creates nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly-report --cron "0 2 * * *" --tz Europe/Berlin',
    '<%= config.bin %> <%= command.id %> cleanup --cron @hourly --input \'{"days": 30}\' --missed run-once',
    '<%= config.bin %> <%= command.id %> launch --at 2030-01-31T09:00:00Z --name launch-day',
  ];
  static override args = {
    workflow: Args.string({required: true, description: 'The workflow to start (see workflows:list).'}),
  };
  static override flags = {
    ...timingFlags,
    name: Flags.string({
      description: 'The schedule name (lower-case letters, digits and hyphens); default workflow-<workflow>.',
    }),
    input: Flags.string({description: "The workflow's input at every tick, as a JSON object."}),
    description: Flags.string({description: 'What the schedule is for (up to 500 characters).'}),
    ...dryRunFlag,
  };

  async run(): Promise<ScheduleView> {
    const {flags} = this;
    const dryRun = flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const input = this.inputOf(flags.input);
    // Booting the workflows module registers the scheduler's workflow target, which checks the workflow.
    await this.workflows();
    const {schedules} = await this.service(SCHEDULER);
    return schedules.create(
      await this.actor(),
      {
        name: flags.name ?? scheduleNameFor(this.args.workflow),
        cron: flags.cron,
        at: flags.at,
        tz: flags.tz,
        missed: flags.missed,
        workflow: this.args.workflow,
        input,
        description: flags.description ?? `Starts the workflow ${this.args.workflow}.`,
      },
      {dryRun},
    );
  }
}

/** workflow-<name> in the characters a schedule name takes. */
function scheduleNameFor(workflow: string): string {
  const slug = workflow
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `workflow-${slug}`.slice(0, 64).replace(/-+$/, '');
}
