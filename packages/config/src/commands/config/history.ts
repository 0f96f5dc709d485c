import {Args, listFlags, type ListResult} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {HistoryRow} from '../../services/config-service.js';
import {HISTORY_LIST_FIELDS} from '../../services/config-store.js';

export default class ConfigHistory extends ConfigCommand<typeof ConfigHistory> {
  static override summary =
    'Show every change of the runtime configuration: version, key, old and new value, who, when.';
  static override description =
    "WHO is the actor that made the change: a signed-in user's email, or local-admin for the local operator under auth.localTrust. Secrets are masked. Filtering, searching (key, actor, action), sorting and paging happen in the database.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> logger.level',
    '<%= config.bin %> <%= command.id %> logger --json',
  ];
  static override args = {key: Args.string({description: 'module.key or a module name.'})};
  static override flags = {...listFlags};
  static override columns = ['version', 'key', 'before', 'after', 'action', 'actor', 'changedAt'];

  async run(): Promise<ListResult<HistoryRow>> {
    const query = this.listQuery({fields: HISTORY_LIST_FIELDS, defaultLimit: 50, defaultSort: 'version'});
    return (await this.configService()).history(await this.actor(), this.args.key, query);
  }
}
