import {Args, SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {RUN_LIST_FIELDS} from '../../services/runs.js';
import type {RunView} from '../../services/views.js';
import {WORKFLOWS} from '../../token.js';

export default class WorkflowsHistory extends SystemPromptCommand<typeof WorkflowsHistory> {
  static override summary = 'List runs, newest first: of every workflow, or of one.';
  static override description =
    'Takes workflows:read. Sub-runs (started by a workflow step) are listed too, with their parentRunId. --filter and --sort take id, workflow, version, status, actor, trigger, parentRunId, createdAt, startedAt, finishedAt (milliseconds since the epoch) and error; --search looks in workflow, actor, trigger and error.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> nightly-report --filter status=failed',
    '<%= config.bin %> <%= command.id %> --limit 10 --json',
  ];
  static override args = {name: Args.string({description: 'Only the runs of this workflow.'})};
  static override flags = {...listFlags};
  static override columns = ['id', 'workflow', 'status', 'trigger', 'actor', 'createdAt', 'error'];

  async run(): Promise<ListResult<RunView>> {
    const query = this.listQuery({fields: RUN_LIST_FIELDS, defaultLimit: 50});
    const {runs} = await this.service(WORKFLOWS);
    return runs.history(await this.actor(), query, this.args.name);
  }
}
