import {Args, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import type {UsersApi} from '../../index.js';

export default class UsersRevokeSessions extends SystemPromptCommand<typeof UsersRevokeSessions> {
  static override summary = 'Sign a user out everywhere (dangerous: asks for confirmation).';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com --confirm'];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};
  static override flags = {...confirmFlag};

  async run(): Promise<{user: string; revoked: number}> {
    const {sessions, users} = await this.service<UsersApi>();
    const actor = await this.actor();
    const user = await users.find(this.args.user);
    await this.confirmAction(`Revoke every session of ${user.email}?`);
    return sessions.revokeAll(actor, user.id);
  }
}
