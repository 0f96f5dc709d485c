import {Args, Flags, SystemPromptCommand, dryRunFlag} from '@systemprompt/core';
import type {ConfigModuleApi} from '../../../index.js';
import {ProviderService, keyChangeFromFlags, type ProviderSummary} from '../../../services/providers.js';

export default class ConfigProviderUpdate extends SystemPromptCommand<typeof ConfigProviderUpdate> {
  static override summary = 'Change the base URL or the API key source of an AI provider.';
  static override description = 'Changes only what is given. A key from standard input (--api-key-stdin) is stored encrypted and replaces any environment variable; --api-key-env keeps only the variable name and drops a stored key; --no-api-key removes both (for local servers such as Ollama). The key is never printed or logged.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ollama --base-url http://gpu-box:11434/v1',
    'printf %s "$OPENAI_API_KEY" | <%= config.bin %> <%= command.id %> openai --api-key-stdin',
    '<%= config.bin %> <%= command.id %> openai --api-key-env OPENAI_API_KEY',
    '<%= config.bin %> <%= command.id %> ollama --no-api-key',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to change.'})};
  static override flags = {
    'base-url': Flags.string({description: 'The new API root (http or https).', helpValue: 'URL'}),
    'api-key-env': Flags.string({description: 'Read the API key from this environment variable when it is needed (drops a stored key).', helpValue: 'VAR'}),
    'api-key-stdin': Flags.boolean({description: 'Read the API key from standard input and store it encrypted.'}),
    'no-api-key': Flags.boolean({description: 'Use no API key (removes a stored key and the variable name).'}),
    ...dryRunFlag,
  };
  static override columns = ['name', 'kind', 'baseUrl', 'apiKey'];

  async run(): Promise<ProviderSummary> {
    await this.authorize('config:write', 'config.provider.update');
    const key = await keyChangeFromFlags(this.flags);
    const service = new ProviderService(await this.service<ConfigModuleApi>());
    const dryRun = this.flags['dry-run'];
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was changed.');
    }
    return service.update(this.args.name, {baseUrl: this.flags['base-url'], key}, dryRun);
  }
}
