import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {JobView} from '../../services/queue-service.js';
import {QUEUE} from '../../token.js';

export default class QueueJob extends SystemPromptCommand<typeof QueueJob> {
  static override summary = 'Show one job: its payload, attempts, lease, last error and result.';
  static override description = 'Takes queue:read.';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mj3k2x1a0000abc1234xyzabc'];
  static override args = {id: Args.string({description: 'The job id (see queue:jobs).', required: true})};

  async run(): Promise<JobView> {
    const {queue} = await this.service(QUEUE);
    return queue.get(await this.actor(), this.args.id);
  }
}
