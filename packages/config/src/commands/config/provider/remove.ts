import {Args, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import type {ConfigModuleApi} from '../../../index.js';
import {ProviderService} from '../../../services/providers.js';

export default class ConfigProviderRemove extends SystemPromptCommand<typeof ConfigProviderRemove> {
  static override summary = 'Remove an AI provider and its models (dangerous: asks for confirmation).';
  static override description = 'Removes the provider, its stored API key and all of its models, in one transaction. If the default model was one of them, no model is the default afterwards. Without a terminal it needs --confirm.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ollama',
    '<%= config.bin %> <%= command.id %> ollama --confirm',
    '<%= config.bin %> <%= command.id %> ollama --dry-run',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to remove.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<{name: string; removed: boolean; modelsRemoved: number}> {
    await this.authorize('config:write', 'config.provider.remove');
    const service = new ProviderService(await this.service<ConfigModuleApi>());
    const count = await service.modelCount(this.args.name);
    await this.confirmAction(`Remove provider ${this.args.name} and its ${count} model${count === 1 ? '' : 's'}?`);
    const dryRun = this.flags['dry-run'];
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was removed.');
    }
    return service.remove(this.args.name, dryRun);
  }
}
