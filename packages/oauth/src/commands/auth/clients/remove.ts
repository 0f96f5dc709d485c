import {Args, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import {OAUTH} from '../../../token.js';

export default class AuthClientsRemove extends SystemPromptCommand<typeof AuthClientsRemove> {
  static override summary = 'Remove a registered OAuth client with its grants and tokens (asks for confirmation).';
  static override description =
    "Every grant users gave the client, and every code and token issued under them, go with it: /mcp refuses the client's access tokens at once. The client can register again, and users then have to consent again. Needs auth:clients, checked first (without it: exit 4, whether or not the client exists). An unknown id is exit 3. Without a terminal it needs --confirm.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> 5bKq0W1c2k3v',
    '<%= config.bin %> <%= command.id %> 5bKq0W1c2k3v --confirm',
  ];
  static override args = {clientId: Args.string({required: true, description: 'The client id (see auth:clients).'})};
  static override flags = {...confirmFlag};
  static override columns = ['clientId', 'removed', 'grants'];

  async run(): Promise<{clientId: string; removed: true; grants: number}> {
    const oauth = await this.service(OAUTH);
    return oauth.admin.removeClient(await this.actor(), this.args.clientId, {
      confirm: (question) => this.confirmAction(question),
    });
  }
}
