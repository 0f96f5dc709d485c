import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {UserView} from '../../services/users.js';
import {USERS} from '../../token.js';

export default class UsersDisable extends SystemPromptCommand<typeof UsersDisable> {
  static override summary = 'Disable a user.';
  static override description =
    'Disabled users cannot sign in: their sessions are revoked and their API keys stop working.';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com'];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};

  async run(): Promise<UserView> {
    const {users} = await this.service(USERS);
    return users.setStatus(await this.actor(), this.args.user, 'disabled');
  }
}
