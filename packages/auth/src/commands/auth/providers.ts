import {SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {PROVIDER_FIELDS, type ProviderView} from '../../index.js';
import {AUTH} from '../../token.js';

const FIELDS = PROVIDER_FIELDS;

export default class AuthProviders extends SystemPromptCommand<typeof AuthProviders> {
  static override summary = 'List the OpenID Connect identity providers.';
  static override description =
    'Each provider with its issuer, client id, whether a client secret is stored (never the secret), the role of the users it creates (none: it creates none), the claim its groups are read from and the roles mapped to groups (GROUP=ROLE). Needs auth:read.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<ProviderView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'name'});
    const auth = await this.service(AUTH);
    const result = applyListQuery(await auth.providers.list(await this.actor()), query, {
      searchable: ['name', 'issuer', 'clientId'],
    });
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No identity providers yet; add one with auth:providers:add NAME --issuer URL --client-id ID.');
    return result;
  }
}
