import {Args, Flags, jsonObjectFlag, type FollowResult} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';
import type {LogLine, TaskView} from '../../services/views.js';

export default class AgentsAssign extends AgentsCommand<typeof AgentsAssign> {
  static override summary = 'Give an agent a task (text, and --input data); --wait follows it to its answer.';
  static override description = `Takes agents:execute, and for an agent acting as someone else every permission that user holds. The task is queued when the agent is started (the server's workers run it), else it waits until agents:start. --wait prints each step as it is recorded (one JSON envelope per line with --json) and exits 1 unless the task completed; when no server of this installation runs, --wait runs the task in this process, whatever the agent's state.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> helper "create user bob@example.com with the viewer role" --wait',
    `<%= config.bin %> <%= command.id %> triage "Look at these users" --input '{"emails": ["a@example.com"]}'`,
    '<%= config.bin %> <%= command.id %> helper "how many users are disabled?" --wait --json',
  ];
  static override args = {
    agent: Args.string({description: 'The agent name.', required: true}),
    task: Args.string({description: 'What the agent should do.', required: true}),
  };
  static override flags = {
    input: Flags.string({
      description: 'Data for the task, a JSON object (given to the model with the text).',
      helpValue: 'JSON',
    }),
    wait: Flags.boolean({
      char: 'w',
      description: 'Follow the task until it ends (running it here when no server runs).',
    }),
  };
  static override columns = ['time', 'seq', 'kind', 'name', 'status', 'tokens', 'latencyMs', 'detail'];
  static override followWidths = {kind: 5, name: 16, status: 9};

  async run(): Promise<TaskView | FollowResult<LogLine>> {
    const input = jsonObjectFlag(this.flags.input, 'input', 'TASK_INVALID');
    const actor = await this.actor();
    const {api, server} = await this.runner(this.flags.wait);
    const task = await api.tasks.assign(actor, this.args.agent, this.args.task, {
      ...(input ? {input} : {}),
      trigger: 'cli',
      ...(this.flags.wait && !server ? {now: true} : {}),
    });
    if (this.flags.wait) return this.follow(api, actor, task.id, server);
    if (task.status === 'pending')
      this.warnings.push(
        `The agent ${this.args.agent} is stopped: the task waits until agents:start ${this.args.agent}.`,
      );
    else if (!server)
      this.warnings.push(
        'No server of this installation is running: the task waits in the queue until one starts (or run it here with --wait).',
      );
    return task;
  }
}
