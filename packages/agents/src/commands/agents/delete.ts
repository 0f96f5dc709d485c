import {Args, Flags, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {AgentsCommand} from '../../agents-command.js';

export default class AgentsDelete extends AgentsCommand<typeof AgentsDelete> {
  static override summary = 'Delete an agent and the records of its tasks (asks for confirmation).';
  static override description =
    'Takes agents:write. Refused (exit 5) while it has tasks waiting or running, unless --force (a running task then stops within agents.pollMs). Without a terminal it needs --confirm.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> helper --confirm',
    '<%= config.bin %> <%= command.id %> helper --dry-run',
  ];
  static override args = {name: Args.string({description: 'The agent name.', required: true})};
  static override flags = {
    force: Flags.boolean({description: 'Delete it even with tasks waiting or running.'}),
    ...confirmFlag,
    ...dryRunFlag,
  };

  async run(): Promise<{name: string; deleted: boolean; tasks: number; dryRun?: true}> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {agents} = await this.agents();
    return agents.delete(await this.actor(), this.args.name, {
      dryRun,
      force: this.flags.force,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
