import {Flags, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ModelSummary} from '../../services/providers.js';

const FIELDS = ['provider', 'name', 'default'] as const;

export default class ConfigModel extends ConfigCommand<typeof ConfigModel> {
  static override summary = 'List the models of the AI providers and which one is the default.';
  static override description =
    'Shows every model registered with a provider (config:model:add), by provider and name; exactly one model (or none) is the default.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --provider ollama',
    '<%= config.bin %> <%= command.id %> --filter default=true --json',
  ];
  static override flags = {
    ...listFlags,
    provider: Flags.string({description: 'Only the models of this provider.', helpValue: 'NAME'}),
  };
  static override columns = FIELDS;

  async run(): Promise<ListResult<ModelSummary>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null});
    const service = await this.providerService();
    const result = applyListQuery(await service.listModels(await this.actor(), this.flags.provider), query, {
      searchable: ['provider', 'name'],
    });
    if (result.total === 0 && query.filters.length === 0 && !query.search) {
      this.notices.push('No models yet; add one with config:model:add PROVIDER MODEL.');
    }
    return result;
  }
}
