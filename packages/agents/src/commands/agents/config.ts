import {Args, renderRecord, textResult, type TextResult} from '@systemprompt/core';
import {AgentsCommand, agentSettingFlags, changesFromFlags} from '../../agents-command.js';
import type {AgentView} from '../../services/agents.js';

export default class AgentsConfig extends AgentsCommand<typeof AgentsConfig> {
  static override summary = "Show an agent's configuration, or change it with the flags of agents:create.";
  static override description = `Without flags: shows it (agents:read). With flags: changes what they name and nothing else (agents:write; --tools replaces the list, limits merge with the stored ones). Changing an agent that acts as someone else takes agents:admin and every permission that user holds. Tasks already assigned keep the configuration they were assigned with.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> helper',
    `<%= config.bin %> <%= command.id %> helper --tools 'users_*' --tools permissions_check --max-steps 30`,
    '<%= config.bin %> <%= command.id %> helper --model openai/gpt-4o-mini --json',
  ];
  static override args = {name: Args.string({description: 'The agent name.', required: true})};
  static override flags = {...agentSettingFlags};

  async run(): Promise<TextResult | (AgentView & {changed: string[]})> {
    const changes = changesFromFlags(this.flags);
    const {agents} = await this.agents();
    const actor = await this.actor();
    if (Object.keys(changes).length > 0) return agents.update(actor, this.args.name, changes);
    const agent = await agents.get(actor, this.args.name);
    const {instructions, tools, limits, ...rest} = agent;
    const text = renderRecord({
      ...rest,
      tools: tools.length ? tools.join(', ') : '(none)',
      limits: Object.keys(limits).length
        ? Object.entries(limits)
            .map(([key, value]) => `${key}=${String(value)}`)
            .join(' ')
        : '(defaults)',
    });
    return textResult(`${text}\n\n${instructions}`, agent);
  }
}
