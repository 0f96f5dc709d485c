import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ProviderSummary} from '../../services/providers.js';

const FIELDS = ['name', 'kind', 'baseUrl', 'apiKey', 'modelCount', 'defaultModel'] as const;

export default class ConfigProvider extends ConfigCommand<typeof ConfigProvider> {
  static override summary = 'List the AI providers: endpoint, where the API key comes from, models.';
  static override description =
    'Shows each provider with its kind (openai: any OpenAI-compatible endpoint; anthropic), base URL, the source of its API key (env:VARIABLE, stored encrypted, or none; never the key itself), how many models it has and the default model when it is one of them.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter kind=anthropic',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<ProviderSummary>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'name'});
    const service = await this.providerService();
    const result = applyListQuery(await service.list(await this.actor()), query, {
      searchable: ['name', 'kind', 'baseUrl'],
    });
    if (result.total === 0 && query.filters.length === 0 && !query.search) {
      this.notices.push('No providers yet; add one with config:provider:add NAME --kind openai|anthropic.');
    }
    return result;
  }
}
