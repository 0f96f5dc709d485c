import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {UserView} from '../../services/users.js';
import {USERS} from '../../token.js';

export default class UsersEnable extends SystemPromptCommand<typeof UsersEnable> {
  static override summary = 'Enable a user.';
  static override description = 'Enabled users can sign in again; revoked sessions stay revoked.';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com'];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};

  async run(): Promise<UserView> {
    const {users} = await this.service(USERS);
    return users.setStatus(await this.actor(), this.args.user, 'enabled');
  }
}
