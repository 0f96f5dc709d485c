import {SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {JOB_LIST_FIELDS, type JobView} from '../../services/queue-service.js';
import {QUEUE} from '../../token.js';

export default class QueueJobs extends SystemPromptCommand<typeof QueueJobs> {
  static override summary = 'List jobs, newest first.';
  static override description =
    'Takes queue:read. --filter and --sort take id, queue, status, priority, attempts, runAt, createdAt, finishedAt (milliseconds since the epoch), createdBy and lastError; --search looks in queue, lastError and createdBy.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter status=dead',
    '<%= config.bin %> <%= command.id %> --filter queue=workflows.run --limit 10 --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['id', 'queue', 'status', 'attempts', 'runAt', 'lastError'];

  async run(): Promise<ListResult<JobView>> {
    const query = this.listQuery({fields: JOB_LIST_FIELDS, defaultLimit: 50, defaultSort: 'id'});
    const {queue} = await this.service(QUEUE);
    return queue.list(await this.actor(), query);
  }
}
