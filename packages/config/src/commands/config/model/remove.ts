import {Args, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import type {ModelSummary} from '../../../services/providers.js';

export default class ConfigModelRemove extends ConfigCommand<typeof ConfigModelRemove> {
  static override summary = 'Remove a model from an AI provider.';
  static override description =
    'Removes the model from the registry (not from the provider). If it was the default model, no model is the default afterwards.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ollama llama3:8b',
    '<%= config.bin %> <%= command.id %> openai gpt-4o --dry-run',
  ];
  static override args = {
    provider: Args.string({required: true, description: 'The provider the model belongs to.'}),
    model: Args.string({required: true, description: 'The model id.'}),
  };
  static override flags = {...dryRunFlag};

  async run(): Promise<ModelSummary & {removed: boolean}> {
    const service = await this.providerService();
    const dryRun = this.flags['dry-run'];
    const result = await service.removeModel(await this.actor(), this.args.provider, this.args.model, {dryRun});
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was removed.');
    } else if (result.default) {
      this.notices.push('It was the default model; set another with config:model:default PROVIDER MODEL.');
    }
    return result;
  }
}
