import {SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {AGENT_LIST_FIELDS, type AgentView} from '../../services/agents.js';
import {AGENTS} from '../../token.js';

export default class AgentsList extends SystemPromptCommand<typeof AgentsList> {
  static override summary = 'List the agents with their state, model and the user they act as.';
  static override description =
    'Takes agents:read. --filter and --sort take name, state, model, runAs, description, createdAt, updatedAt (milliseconds since the epoch) and createdBy; --search looks in name, description and model.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter state=started --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['name', 'state', 'model', 'runAs', 'tools', 'description'];

  async run(): Promise<ListResult<AgentView>> {
    const query = this.listQuery({fields: AGENT_LIST_FIELDS, defaultLimit: 50});
    const {agents} = await this.service(AGENTS);
    return agents.list(await this.actor(), query);
  }
}
