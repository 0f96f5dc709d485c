import {Args, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import {USERS} from '../../token.js';

export default class UsersRevokeSessions extends SystemPromptCommand<typeof UsersRevokeSessions> {
  static override summary = 'Sign a user out everywhere (dangerous: asks for confirmation).';
  static override description = 'Needs users:sessions, checked before the user is looked up or anything is asked.';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com --confirm'];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};
  static override flags = {...confirmFlag};

  async run(): Promise<{user: string; revoked: number}> {
    const {sessions} = await this.service(USERS);
    return sessions.revokeAll(await this.actor(), this.args.user, {
      confirm: (question) => this.confirmAction(question),
    });
  }
}
