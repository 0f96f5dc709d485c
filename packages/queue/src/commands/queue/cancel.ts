import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {JobView} from '../../services/queue-service.js';
import {QUEUE} from '../../token.js';

export default class QueueCancel extends SystemPromptCommand<typeof QueueCancel> {
  static override summary = 'Cancel a job that has not finished.';
  static override description =
    'Takes queue:write. A ready job never runs; a running one is aborted by its server at its next lease renewal (its handler sees the abort signal) and its outcome is not recorded. A finished job is refused (exit 5).';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mj3k2x1a0000abc1234xyzabc'];
  static override args = {id: Args.string({description: 'The job id (see queue:jobs).', required: true})};

  async run(): Promise<JobView> {
    const {queue} = await this.service(QUEUE);
    return queue.cancel(await this.actor(), this.args.id);
  }
}
