import {Args} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import type {ScheduleView} from '../../services/views.js';

export default class SchedulerPause extends SchedulerCommand<typeof SchedulerPause> {
  static override summary = 'Pause a schedule: it fires no tick until resumed.';
  static override description =
    'Takes scheduler:write. Ticks already claimed still run. Pausing a paused schedule changes nothing. scheduler:run still fires it by hand.';
  static override examples = ['<%= config.bin %> <%= command.id %> nightly-report'];
  static override args = {name: Args.string({required: true, description: 'The schedule.'})};

  async run(): Promise<ScheduleView> {
    const {schedules} = await this.scheduler();
    return schedules.pause(await this.actor(), this.args.name);
  }
}
