import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {JobView} from '../../services/queue-service.js';
import {QUEUE} from '../../token.js';

export default class QueueRetry extends SystemPromptCommand<typeof QueueRetry> {
  static override summary = 'Put a dead or cancelled job back in its queue, due now.';
  static override description =
    'Takes queue:write. Its attempts start again from zero; its last error stays until the next attempt. A job that is ready, running or done is refused (exit 5).';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mj3k2x1a0000abc1234xyzabc'];
  static override args = {
    id: Args.string({description: 'The job id (see queue:jobs --filter status=dead).', required: true}),
  };

  async run(): Promise<JobView> {
    const {queue} = await this.service(QUEUE);
    return queue.retry(await this.actor(), this.args.id);
  }
}
