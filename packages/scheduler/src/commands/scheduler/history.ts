import {Args, listFlags, type ListResult} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import {TICK_LIST_FIELDS, type TickView} from '../../services/views.js';

export default class SchedulerHistory extends SchedulerCommand<typeof SchedulerHistory> {
  static override summary = 'List ticks, newest first: when each fired, the job that ran it and how it ended.';
  static override description =
    "Takes scheduler:read. Without NAME, the ticks of every schedule. Each tick shows its job (queue:job ID), status (pending, running, ok, failed), duration, and the command's exit code or the error; --json adds the head of a command's output and a workflow's run id. --filter and --sort take schedule, status, manual (true/false), jobId, exitCode, and tickAt, finishedAt (milliseconds since the epoch).";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> nightly-report --limit 10',
    '<%= config.bin %> <%= command.id %> --filter status=failed --json',
  ];
  static override args = {name: Args.string({description: 'Only the ticks of this schedule.'})};
  static override flags = {...listFlags};
  static override columns = ['schedule', 'tickAt', 'jobId', 'status', 'durationMs', 'exitCode', 'error'];

  async run(): Promise<ListResult<TickView>> {
    const query = this.listQuery({fields: TICK_LIST_FIELDS, defaultLimit: 50});
    const {schedules} = await this.scheduler();
    return schedules.history(await this.actor(), this.args.name, query);
  }
}
