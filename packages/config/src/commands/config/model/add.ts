import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import type {ModelSummary} from '../../../services/providers.js';

export default class ConfigModelAdd extends ConfigCommand<typeof ConfigModelAdd> {
  static override summary = 'Add a model to an AI provider, optionally as the default model.';
  static override description =
    'Registers a model id as the provider names it (see config:provider:test for the ids it offers). With --default it becomes the one default model, replacing the previous one in the same transaction.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> openai gpt-4o --default',
    '<%= config.bin %> <%= command.id %> ollama llama3:8b',
  ];
  static override args = {
    provider: Args.string({required: true, description: 'The provider the model belongs to.'}),
    model: Args.string({required: true, description: 'The model id, e.g. gpt-4o or llama3:8b.'}),
  };
  static override flags = {
    default: Flags.boolean({description: 'Make it the default model.'}),
    ...dryRunFlag,
  };

  async run(): Promise<ModelSummary> {
    const service = await this.providerService();
    const dryRun = this.flags['dry-run'];
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was added.');
    }
    return service.addModel(await this.actor(), this.args.provider, this.args.model, {
      makeDefault: this.flags.default,
      dryRun,
    });
  }
}
