import {Args} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';
import type {TaskView} from '../../services/views.js';

export default class AgentsCancel extends AgentsCommand<typeof AgentsCancel> {
  static override summary = 'Cancel a task that has not ended.';
  static override description =
    'Takes agents:execute. A waiting or queued task ends at once; a running one within agents.pollMs, after the tool call in hand (a tool call is never cut off halfway). An ended task is exit 5.';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6'];
  static override args = {task: Args.string({description: 'The task id (see agents:status AGENT).', required: true})};

  async run(): Promise<TaskView> {
    const {tasks} = await this.agents();
    return tasks.cancel(await this.actor(), this.args.task);
  }
}
