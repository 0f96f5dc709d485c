import {Flags, listFlags, type ListResult} from '@systemprompt/core';
import {ApiCommand} from '../../../api-command.js';
import {KEY_LIST_FIELDS, type ApiKeyView} from '../../../services/keys.js';

export default class ApiKeysList extends ApiCommand<typeof ApiKeysList> {
  static override summary = 'List API keys: prefix, name, owner, scopes, status and last use (never the key).';
  static override description =
    'Without --user: every key when you hold api-keys:read, else your own. STATUS is active, expired or revoked. A key is named by its id or its prefix (spk_ and 8 characters); the key itself and its hash are never shown. Filtering, searching (prefix, name, user, scopes), sorting and paging happen in the database.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user ana@example.com',
    '<%= config.bin %> <%= command.id %> --filter status=active --sort lastUsedAt --order desc --json',
  ];
  static override flags = {
    ...listFlags,
    user: Flags.string({description: 'Only the keys of this user (id or email).', helpValue: 'USER'}),
  };
  static override columns = ['id', 'prefix', 'name', 'user', 'scopes', 'status', 'expiresAt', 'lastUsedAt'];

  async run(): Promise<ListResult<ApiKeyView>> {
    const query = this.listQuery({fields: KEY_LIST_FIELDS, defaultSort: 'createdAt'});
    const result = await (
      await this.api()
    ).keys.list(await this.actor(), this.flags.user === undefined ? {} : {user: this.flags.user}, query);
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No API keys yet; create one with api:keys:create --name NAME --scope PERMISSION.');
    return result;
  }
}
