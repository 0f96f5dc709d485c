import {Args, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import type {ModelSummary} from '../../../services/providers.js';

export default class ConfigModelDefault extends ConfigCommand<typeof ConfigModelDefault> {
  static override summary = 'Make a model the default model.';
  static override description =
    'Exactly one model is the default: this one is set and any other cleared, in one transaction. The model must already be registered (config:model:add).';
  static override aliases = ['config:model:set-default'];
  static override examples = [
    '<%= config.bin %> <%= command.id %> openai gpt-4o',
    '<%= config.bin %> <%= command.id %> ollama llama3:8b --json',
  ];
  static override args = {
    provider: Args.string({required: true, description: 'The provider the model belongs to.'}),
    model: Args.string({required: true, description: 'The model id.'}),
  };
  static override flags = {...dryRunFlag};

  async run(): Promise<ModelSummary & {previous: {provider: string; name: string} | null}> {
    const service = await this.providerService();
    const dryRun = this.flags['dry-run'];
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was changed.');
    }
    return service.setDefault(await this.actor(), this.args.provider, this.args.model, {dryRun});
  }
}
