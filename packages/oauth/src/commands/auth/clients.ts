import {SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import type {ClientView} from '../../index.js';
import {OAUTH} from '../../token.js';

const FIELDS = ['clientId', 'name', 'redirectUris', 'authMethod', 'registeredAt', 'grants'] as const;

export default class AuthClients extends SystemPromptCommand<typeof AuthClients> {
  static override summary = 'List the OAuth clients registered with the authorization server.';
  static override description =
    'Clients that registered themselves (RFC 7591 dynamic registration at /oauth/register), with their redirect addresses, how they authenticate (none: a public client with PKCE) and how many grants users gave them that are still in force. Clients known by a client ID metadata document (an https client_id) are not registered and do not appear. Needs auth:clients.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --search claude',
  ];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<ClientView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'registeredAt'});
    const oauth = await this.service(OAUTH);
    const result = applyListQuery(await oauth.admin.listClients(await this.actor()), query, {
      searchable: ['clientId', 'name'],
    });
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No OAuth client has registered yet: MCP clients register when they first connect to /mcp.');
    return result;
  }
}
