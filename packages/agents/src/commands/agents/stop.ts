import {Args} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';

export default class AgentsStop extends AgentsCommand<typeof AgentsStop> {
  static override summary = 'Stop an agent: it takes no task; a running task pauses after its current step.';
  static override description =
    'Takes agents:write. Tasks assigned while it is stopped wait (pending); a running task stops within agents.pollMs after the step in hand (a tool call is not cut off) and resumes from its last recorded step when the agent is started again.';
  static override examples = ['<%= config.bin %> <%= command.id %> helper'];
  static override args = {name: Args.string({description: 'The agent name.', required: true})};

  async run(): Promise<{name: string; state: string; changed: boolean}> {
    const {agents} = await this.agents();
    return agents.setState(await this.actor(), this.args.name, 'stopped');
  }
}
