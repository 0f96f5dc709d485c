import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {AgentsCommand, agentSettingFlags, changesFromFlags} from '../../agents-command.js';
import type {AgentView} from '../../services/agents.js';

export default class AgentsCreate extends AgentsCommand<typeof AgentsCreate> {
  static override summary =
    'Create an agent: instructions, a model, the tools it may call, its limits and the user it acts as.';
  static override description = `Takes agents:write. The agent acts as you unless --as names another user (that takes agents:admin and every permission the user holds); each of its tool calls needs that user's permission, checked, audited and rate limited as for an MCP client. It is created stopped unless --start: a stopped agent keeps the tasks assigned to it until agents:start. Without --tools it may call no tool. It is also the MCP tool agents_run_NAME.`;
  static override examples = [
    `<%= config.bin %> <%= command.id %> helper --instructions "You manage the users of this system." --model local/llama3.1 --tools 'users_*' --start`,
    `<%= config.bin %> <%= command.id %> triage --instructions-file triage.md --tools users_list,users_get --max-steps 10 --timeout 5m`,
    `<%= config.bin %> <%= command.id %> reporter -i "Summarise the day." --as ops@example.com --max-cost 0.5 --price-input 3 --price-output 15`,
  ];
  static override args = {
    name: Args.string({description: 'The agent name (lower-case letters, digits, _ and -).', required: true}),
  };
  static override flags = {
    ...agentSettingFlags,
    start: Flags.boolean({description: 'Start it at once (it takes tasks).'}),
    ...dryRunFlag,
  };

  async run(): Promise<AgentView & {action: string}> {
    const changes = changesFromFlags(this.flags);
    if (changes.instructions === undefined)
      this.error('Give the agent its --instructions (or --instructions-file)', {exit: 2});
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {agents, tasks} = await this.agents();
    const actor = await this.actor();
    const created = await agents.create(actor, this.args.name, changes, {dryRun});
    if (this.flags.start && !dryRun) {
      await agents.setState(actor, this.args.name, 'started', (manager) =>
        tasks.releasePending(manager, this.args.name),
      );
      return {...created, state: 'started'};
    }
    return created;
  }
}
