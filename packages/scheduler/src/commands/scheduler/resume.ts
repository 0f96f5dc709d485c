import {Args} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import type {ScheduleView} from '../../services/views.js';

export default class SchedulerResume extends SchedulerCommand<typeof SchedulerResume> {
  static override summary = 'Resume a paused schedule from its next tick after now.';
  static override description =
    'Takes scheduler:write. Ticks that fell due while it was paused are never fired, whatever its missed policy; a one-off whose time passed meanwhile is finished.';
  static override examples = ['<%= config.bin %> <%= command.id %> nightly-report'];
  static override args = {name: Args.string({required: true, description: 'The schedule.'})};

  async run(): Promise<ScheduleView> {
    const {schedules} = await this.scheduler();
    return schedules.resume(await this.actor(), this.args.name);
  }
}
