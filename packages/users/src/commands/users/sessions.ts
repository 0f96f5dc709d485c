import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {SessionView} from '../../services/sessions.js';
import {USERS} from '../../token.js';

export default class UsersSessions extends SystemPromptCommand<typeof UsersSessions> {
  static override summary = 'List sign-in sessions, of one user or of everyone.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ana@example.com --json',
  ];
  static override args = {user: Args.string({description: 'User id or email.'})};
  static override columns = ['id', 'user', 'label', 'createdAt', 'expiresAt', 'lastUsedAt', 'active'];

  async run(): Promise<SessionView[]> {
    const {sessions} = await this.service(USERS);
    return sessions.list(await this.actor(), this.args.user);
  }
}
