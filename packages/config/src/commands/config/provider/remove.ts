import {Args, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';

export default class ConfigProviderRemove extends ConfigCommand<typeof ConfigProviderRemove> {
  static override summary = 'Remove an AI provider and its models (dangerous: asks for confirmation).';
  static override description =
    'Removes the provider, its stored API key and all of its models, in one transaction. If the default model was one of them, no model is the default afterwards. Without a terminal it needs --confirm.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ollama',
    '<%= config.bin %> <%= command.id %> ollama --confirm',
    '<%= config.bin %> <%= command.id %> ollama --dry-run',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to remove.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<{name: string; removed: boolean; modelsRemoved: number}> {
    const service = await this.providerService();
    const dryRun = this.flags['dry-run'];
    const result = await service.remove(await this.actor(), this.args.name, {dryRun, confirm: this.confirm});
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was removed.');
    }
    return result;
  }
}
