import {Args, renderTable, renderRecord, textResult, type TextResult} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';
import {AGENT_NAME} from '../../services/settings.js';
import {oneLine} from '../../services/views.js';

export default class AgentsStatus extends AgentsCommand<typeof AgentsStatus> {
  static override summary =
    'Show agents with their state and task counts; one agent with its recent tasks; or one task.';
  static override description =
    'Takes agents:read. Without an argument: every agent (state, model, user, tasks pending/queued/running/completed/failed). With an agent name: it, and its 20 newest tasks. With a task id: the task (status, why it ended, steps, tokens, cost, answer); --json adds every recorded step.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> helper',
    '<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6 --json',
  ];
  static override args = {target: Args.string({description: 'An agent name, or a task id.'})};

  async run(): Promise<TextResult> {
    const {tasks} = await this.agents();
    const actor = await this.actor();
    const target = this.args.target;
    if (target && !(AGENT_NAME.test(target) && target.length < 26)) {
      const detail = await tasks.get(actor, target);
      const {log: _log, text, input, output, ...task} = detail;
      const head = renderRecord({...task, text: oneLine(text), input: oneLine(input)});
      return textResult(output ? `${head}\n\n${output}` : head, detail);
    }
    const agents = await tasks.status(actor, target);
    if (!target)
      return textResult(agents.length ? renderTable(agents) : 'No agents. Create one with agents:create.', agents);
    const recent = await tasks.list(
      actor,
      {page: 1, limit: 20, filters: [], search: undefined, sort: 'id', order: 'desc'},
      target,
    );
    const rows = recent.items.map((task) => ({
      id: task.id,
      status: task.status,
      steps: task.steps,
      tokens: `${task.tokensIn}/${task.tokensOut}`,
      createdAt: task.createdAt,
      text: oneLine(task.text, 40),
      result: oneLine(task.error ?? task.output ?? '', 50),
    }));
    const text = `${renderRecord(agents[0]!)}${rows.length ? `\n\n${renderTable(rows)}` : '\n\nNo tasks yet.'}`;
    return textResult(text, {...agents[0]!, tasks: recent.items});
  }
}
