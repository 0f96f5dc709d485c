import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {UserView} from '../../services/users.js';
import {USERS} from '../../token.js';

export default class UsersGet extends SystemPromptCommand<typeof UsersGet> {
  static override summary = 'Show one user (by id or email).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ana@example.com',
    '<%= config.bin %> <%= command.id %> 0b9f...-... --json',
  ];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};

  async run(): Promise<UserView> {
    const {users} = await this.service(USERS);
    return users.get(await this.actor(), this.args.user);
  }
}
