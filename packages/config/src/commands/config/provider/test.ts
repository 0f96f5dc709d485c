import {Args, Flags} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {DEFAULT_TIMEOUT_MS} from '../../../services/provider-client.js';
import type {ProviderTestReport} from '../../../services/providers.js';

export type {ProviderTestReport};

export default class ConfigProviderTest extends ConfigCommand<typeof ConfigProviderTest> {
  static override summary = 'Check that an AI provider answers and accepts its key, and list the models it offers.';
  static override description =
    "Calls the provider's model list (GET {baseUrl}/models), with the key as a Bearer token for OpenAI-compatible endpoints or as x-api-key for Anthropic, and reports the HTTP status, the latency and the model ids. A key from --api-key-env is read from the environment now; a stored key is sent only to the base URL it was given or approved for (exit 4 PROVIDER_URL_NOT_APPROVED otherwise). A refused key is exit 4; an unreachable server, a time-out or an answer that is not a model list is exit 6. Needs config:read.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> openai',
    '<%= config.bin %> <%= command.id %> ollama --timeout 2000 --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to test.'})};
  static override flags = {
    timeout: Flags.integer({
      description: 'Give up after this many milliseconds.',
      default: DEFAULT_TIMEOUT_MS,
      min: 1,
      helpValue: 'MS',
    }),
  };

  async run(): Promise<ProviderTestReport> {
    return (await this.providerService()).test(await this.actor(), this.args.name, {timeoutMs: this.flags.timeout});
  }
}
