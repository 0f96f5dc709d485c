import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import type {ConfigModuleApi} from '../../../index.js';
import {DEFAULT_TIMEOUT_MS, listProviderModels} from '../../../services/provider-client.js';
import {ProviderService} from '../../../services/providers.js';

export interface ProviderTestReport {
  provider: string;
  ok: boolean;
  status: number;
  latencyMs: number;
  models: string[];
  modelCount: number;
}

export default class ConfigProviderTest extends SystemPromptCommand<typeof ConfigProviderTest> {
  static override summary = 'Check that an AI provider answers and accepts its key, and list the models it offers.';
  static override description = 'Calls the provider\'s model list (GET {baseUrl}/models), with the key as a Bearer token for OpenAI-compatible endpoints or as x-api-key for Anthropic, and reports the HTTP status, the latency and the model ids. A key from --api-key-env is read from the environment now. A refused key is exit 4; an unreachable server, a time-out or an answer that is not a model list is exit 6.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> openai',
    '<%= config.bin %> <%= command.id %> ollama --timeout 2000 --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to test.'})};
  static override flags = {
    timeout: Flags.integer({description: 'Give up after this many milliseconds.', default: DEFAULT_TIMEOUT_MS, min: 1, helpValue: 'MS'}),
  };

  async run(): Promise<ProviderTestReport> {
    await this.authorize('config:read', 'config.provider.test');
    const service = new ProviderService(await this.service<ConfigModuleApi>());
    const endpoint = await service.endpoint(this.args.name);
    const listing = await listProviderModels(endpoint, {timeoutMs: this.flags.timeout});
    return {provider: endpoint.name, ok: true, status: listing.status, latencyMs: listing.latencyMs, models: listing.models, modelCount: listing.models.length};
  }
}
