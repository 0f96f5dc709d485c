import {Flags, SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import type {GrantView} from '../../index.js';
import {OAUTH} from '../../token.js';

const FIELDS = ['id', 'user', 'client', 'clientId', 'scopes', 'createdAt', 'expiresAt'] as const;

export default class AuthGrants extends SystemPromptCommand<typeof AuthGrants> {
  static override summary = 'List what users allowed OAuth clients to do for them.';
  static override description =
    "A grant is a user's consent for one client: the permissions it allows (never beyond what the user holds) until it expires unused or is revoked with auth:grants:revoke. Without flags: your own grants (no permission needed). --user (another user's) and --all need auth:clients.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user ana@example.com',
    '<%= config.bin %> <%= command.id %> --all --json',
  ];
  static override flags = {
    ...listFlags,
    user: Flags.string({description: 'The grants of this user (id or email).', exclusive: ['all']}),
    all: Flags.boolean({description: "Every user's grants.", exclusive: ['user']}),
  };
  static override columns = FIELDS;

  async run(): Promise<ListResult<GrantView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'createdAt'});
    const oauth = await this.service(OAUTH);
    const grants = await oauth.admin.listGrants(await this.actor(), {
      ...(this.flags.user !== undefined ? {user: this.flags.user} : {}),
      all: this.flags.all,
    });
    const result = applyListQuery(grants, query, {searchable: ['user', 'client', 'clientId', 'scopes']});
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No grants: nobody has allowed an OAuth client yet.');
    return result;
  }
}
