import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {keyChangeFromFlags, type ProviderSummary} from '../../../services/providers.js';

export default class ConfigProviderUpdate extends ConfigCommand<typeof ConfigProviderUpdate> {
  static override summary = 'Change the base URL or the API key source of an AI provider.';
  static override description =
    'Changes only what is given. A key from standard input (--api-key-stdin) is stored encrypted and replaces any environment variable; --api-key-env keeps only the variable name and drops a stored key; --no-api-key removes both (for local servers such as Ollama). The key is never printed or logged.\n\nNeeds config:write. Pointing a provider that has a key at another --base-url needs config:secrets (the permission to read that key) unless the key is given again in the same command (--api-key-stdin) or dropped (--no-api-key); --api-key-env needs config:secrets too. A stored key is only ever sent to the base URL it was given or approved for.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ollama --base-url http://gpu-box:11434/v1',
    'printf %s "$OPENAI_API_KEY" | <%= config.bin %> <%= command.id %> openai --api-key-stdin',
    '<%= config.bin %> <%= command.id %> openai --api-key-env OPENAI_API_KEY',
    '<%= config.bin %> <%= command.id %> ollama --no-api-key',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to change.'})};
  static override flags = {
    'base-url': Flags.string({description: 'The new API root (http or https).', helpValue: 'URL'}),
    'api-key-env': Flags.string({
      description: 'Read the API key from this environment variable when it is needed (drops a stored key).',
      helpValue: 'VAR',
    }),
    'api-key-stdin': Flags.boolean({description: 'Read the API key from standard input and store it encrypted.'}),
    'no-api-key': Flags.boolean({description: 'Use no API key (removes a stored key and the variable name).'}),
    ...dryRunFlag,
  };
  static override columns = ['name', 'kind', 'baseUrl', 'apiKey'];

  async run(): Promise<ProviderSummary> {
    const key = await keyChangeFromFlags(this.flags);
    const service = await this.providerService();
    const dryRun = this.flags['dry-run'];
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was changed.');
    }
    return service.update(await this.actor(), this.args.name, {baseUrl: this.flags['base-url'], key}, {dryRun});
  }
}
