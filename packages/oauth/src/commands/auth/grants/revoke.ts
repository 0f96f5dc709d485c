import {Args, SystemPromptCommand} from '@systemprompt/core';
import {OAUTH} from '../../../token.js';

export default class AuthGrantsRevoke extends SystemPromptCommand<typeof AuthGrantsRevoke> {
  static override summary = 'Revoke a grant: its client loses access at once.';
  static override description =
    "Deletes the grant and every code, access token and refresh token issued under it; /mcp refuses those access tokens from the next request. Your own grant needs no permission; another user's needs auth:clients (without it: exit 4, whether or not the grant exists). An unknown id is exit 3.";
  static override examples = ['<%= config.bin %> <%= command.id %> Xb3k9Qe2L0aP4sT7'];
  static override args = {id: Args.string({required: true, description: 'The grant id (see auth:grants).'})};
  static override columns = ['id', 'revoked', 'user', 'clientId'];

  async run(): Promise<{id: string; revoked: true; user: string; clientId: string}> {
    const oauth = await this.service(OAUTH);
    const result = await oauth.admin.revokeGrant(await this.actor(), this.args.id);
    this.notices.push(`Revoked: the client's tokens under this grant no longer work.`);
    return result;
  }
}
