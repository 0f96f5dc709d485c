import {Args, Flags, type FollowResult} from '@systemprompt/core';
import type {RetryResult} from '../../services/runs.js';
import type {ProgressLine} from '../../services/views.js';
import {WorkflowsCommand} from '../../workflows-command.js';

export default class WorkflowsRetry extends WorkflowsCommand<typeof WorkflowsRetry> {
  static override summary = 'Run a failed or cancelled run again, in place, keeping the steps that completed.';
  static override description = `Takes workflows:execute. The run keeps its id, input and definition version. Without --from-step the steps that did not complete run again (the failed one first); with --from-step S, S and every step after it in the definition run again (with the steps that contain S), and the earlier results are kept. The run is queued for the server's workers; --wait follows it as workflows:execute --wait does (running it here when no server runs).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6',
    '<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6 --from-step fetch --wait',
  ];
  static override args = {run: Args.string({description: 'The run id (see workflows:history).', required: true})};
  static override flags = {
    'from-step': Flags.string({
      description: 'Run again from this step (its id, or a path such as each[2].save).',
      helpValue: 'STEP',
    }),
    wait: Flags.boolean({
      char: 'w',
      description: 'Follow the run until it ends (running it here when no server runs).',
    }),
  };
  static override columns = ['time', 'step', 'status', 'attempts', 'detail'];
  // Statuses run up to "completed"; most step paths fit in 12.
  static override followWidths = {step: 12, status: 9};

  async run(): Promise<RetryResult | FollowResult<ProgressLine>> {
    const actor = await this.actor();
    const {api, server} = await this.runner(this.flags.wait);
    const fromStep = this.flags['from-step'];
    const retried = await api.runs.retry(actor, this.args.run, fromStep === undefined ? {} : {fromStep});
    return this.flags.wait ? this.follow(api, actor, retried.id, server) : retried;
  }
}
