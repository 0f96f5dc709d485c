import {SystemPromptCommand} from '@systemprompt/core';
import type {QueueCounts} from '../../services/queue-service.js';
import {QUEUE} from '../../token.js';

export default class QueueStatus extends SystemPromptCommand<typeof QueueStatus> {
  static override summary = 'Show the jobs of every queue by state.';
  static override description =
    'Takes queue:read. One row per queue: ready (due now, and waiting for a retry delay or a later run time), running (leased by a server), done, dead (failed their last attempt; queue:retry puts one back) and cancelled.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['queue', 'ready', 'due', 'running', 'done', 'dead', 'cancelled'];

  async run(): Promise<QueueCounts[]> {
    const {queue} = await this.service(QUEUE);
    return queue.counts(await this.actor());
  }
}
