import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {RunView} from '../../services/views.js';
import {WORKFLOWS} from '../../token.js';

export default class WorkflowsCancel extends SystemPromptCommand<typeof WorkflowsCancel> {
  static override summary = 'Cancel a run that has not finished (its sub-runs too).';
  static override description =
    'Takes workflows:execute. A queued or waiting run stops at once; a running one stops its current step within workflows.pollMs (a step already sent, such as an HTTP request, may still have had its effect). A finished run is exit 5. workflows:retry runs it again.';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6'];
  static override args = {run: Args.string({description: 'The run id (see workflows:history).', required: true})};

  async run(): Promise<RunView> {
    const {runs} = await this.service(WORKFLOWS);
    return runs.cancel(await this.actor(), this.args.run);
  }
}
