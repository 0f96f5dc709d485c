import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {SettingRow} from '../../services/config-service.js';

export default class ConfigList extends ConfigCommand<typeof ConfigList> {
  static override summary = 'List every setting of every module with its value and where it comes from.';
  static override description =
    'Secrets are masked. SOURCE is default, file (config.yaml), env (environment or env file), runtime (config:set) or unset.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --search database',
    '<%= config.bin %> <%= command.id %> --filter source=runtime --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['key', 'value', 'source', 'type'];

  async run(): Promise<ListResult<SettingRow>> {
    const query = this.listQuery({
      fields: ['key', 'value', 'source', 'type', 'secret', 'description'],
      defaultLimit: null,
      defaultSort: 'key',
    });
    return applyListQuery(await (await this.configService()).list(await this.actor()), query, {
      searchable: ['key', 'description', 'source'],
    });
  }
}
