import {listFlags, type ListResult} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import {SCHEDULE_LIST_FIELDS, type ScheduleView} from '../../services/views.js';

export default class SchedulerList extends SchedulerCommand<typeof SchedulerList> {
  static override summary = 'List schedules: their timing, target, next run and last outcome.';
  static override description =
    'Takes scheduler:read. --filter and --sort take name, state (scheduled, paused, finished), paused (true/false), targetKind, missed, owner, lastStatus, and nextRunAt, lastRunAt, createdAt, updatedAt (milliseconds since the epoch); --search looks in the name, description, pattern, target and owner.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter paused=true',
    '<%= config.bin %> <%= command.id %> --sort nextRunAt --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['name', 'schedule', 'target', 'nextRunAt', 'lastRunAt', 'lastStatus', 'paused'];

  async run(): Promise<ListResult<ScheduleView>> {
    const query = this.listQuery({fields: SCHEDULE_LIST_FIELDS, defaultLimit: 50});
    const {schedules} = await this.scheduler();
    return schedules.list(await this.actor(), query);
  }
}
