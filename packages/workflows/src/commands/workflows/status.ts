import {Args, SystemPromptCommand, renderRecord, renderTable, textResult, type TextResult} from '@systemprompt/core';
import {summary} from '../../services/views.js';
import {WORKFLOWS} from '../../token.js';

export default class WorkflowsStatus extends SystemPromptCommand<typeof WorkflowsStatus> {
  static override summary = 'Show a run and each of its steps (status, attempts, output or error).';
  static override description =
    'Takes workflows:read. On a terminal the outputs are cut to one line; --json gives the run with every step result in full. A step inside a foreach item has a path such as each[2].save.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6',
    '<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6 --json',
  ];
  static override args = {run: Args.string({description: 'The run id (see workflows:history).', required: true})};

  async run(): Promise<TextResult> {
    const {runs} = await this.service(WORKFLOWS);
    const detail = await runs.get(await this.actor(), this.args.run);
    const {steps, input, output, ...run} = detail;
    const head = renderRecord({...run, input: summary(input), output: summary(output)});
    const rows = steps.map((step) => ({
      path: step.path,
      type: step.type,
      status: step.status,
      attempts: step.attempts,
      detail: step.error ?? summary(step.output, 80),
    }));
    return textResult(rows.length > 0 ? `${head}\n${renderTable(rows)}` : head, detail);
  }
}
