import {
  Args,
  Flags,
  followResult,
  textResult,
  renderTable,
  type FollowResult,
  type TextResult,
} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';
import {AGENT_NAME} from '../../services/settings.js';
import type {LogLine} from '../../services/views.js';

export default class AgentsLogs extends AgentsCommand<typeof AgentsLogs> {
  static override summary =
    "Replay a task's recorded steps (model answers, tool calls and results, tokens, latency); --follow streams them.";
  static override description = `Takes agents:read. Give a task id, or an agent name for its newest task. Each model call shows the tokens in/out and what it asked for; each tool call its arguments, outcome (ok, error, denied, invalid, limited, unknown, refused) and result. --json gives every step in full (agents:status TASK-ID --json has the same with the task). --follow prints steps as they are recorded until the task ends.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> helper',
    '<%= config.bin %> <%= command.id %> 0mj3k2x1a000a1b2c3d4e5f6 --follow',
    '<%= config.bin %> <%= command.id %> helper --json',
  ];
  static override args = {
    target: Args.string({description: 'A task id, or an agent name (its newest task).', required: true}),
  };
  static override flags = {follow: Flags.boolean({char: 'f', description: 'Keep printing steps until the task ends.'})};
  static override columns = ['time', 'seq', 'kind', 'name', 'status', 'tokens', 'latencyMs', 'detail'];
  static override followWidths = {kind: 5, name: 16, status: 9};

  async run(): Promise<TextResult | FollowResult<LogLine>> {
    const api = await this.agents();
    const actor = await this.actor();
    const target = this.args.target;
    const taskId = AGENT_NAME.test(target) && target.length < 26 ? await api.tasks.latest(actor, target) : target;
    if (this.flags.follow) return followResult([], await api.tasks.follow(actor, taskId, {signal: this.stopSignal}));
    const detail = await api.tasks.get(actor, taskId);
    const {lines} = await api.tasks.log(actor, taskId);
    const head = `task ${detail.id} · agent ${detail.agent} · ${detail.status}${detail.stopReason ? ` (${detail.stopReason})` : ''} · requested by ${detail.requestedBy}\n> ${detail.text.replace(/\n/g, '\n> ')}`;
    const rows = lines.map(({output: _output, error: _error, task: _task, ...line}) => line);
    const tail = detail.output ? `\n\n${detail.output}` : '';
    return textResult(`${head}\n\n${renderTable(rows)}${tail}`, detail);
  }
}
