import {Args} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';

export default class AgentsStart extends AgentsCommand<typeof AgentsStart> {
  static override summary = 'Start an agent: it takes its tasks (those that waited are queued at once).';
  static override description =
    "Takes agents:write (and, for an agent acting as someone else, agents:admin and every permission that user holds). Sets the desired state in the database; the server's workers run the queued tasks, and a server queues any task that waits for a started agent within agents.reconcileSeconds.";
  static override examples = ['<%= config.bin %> <%= command.id %> helper'];
  static override args = {name: Args.string({description: 'The agent name.', required: true})};

  async run(): Promise<{name: string; state: string; changed: boolean; queued?: number}> {
    const {agents, tasks} = await this.agents();
    const result = await agents.setState(await this.actor(), this.args.name, 'started', (manager) =>
      tasks.releasePending(manager, this.args.name),
    );
    if (!this.serverRunningHere())
      this.warnings.push('No server of this installation is running: its tasks wait in the queue until one starts.');
    return result;
  }
}
