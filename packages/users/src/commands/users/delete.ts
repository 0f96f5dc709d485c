import {Args, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import type {UsersApi} from '../../index.js';

export default class UsersDelete extends SystemPromptCommand<typeof UsersDelete> {
  static override summary = 'Delete a user (dangerous: asks for confirmation).';
  static override description = 'Removes the user with their roles, grants and sessions. Their records in the audit log stay.';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com --confirm'];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};
  static override flags = {...confirmFlag};

  async run(): Promise<{id: string; email: string; deleted: true}> {
    const {users} = await this.service<UsersApi>();
    const actor = await this.actor();
    // Look the user up (and check the permission) before asking, so a typo is not confirmed first.
    const user = await users.find(this.args.user);
    await this.confirmAction(`Delete user ${user.email}?`);
    return users.delete(actor, user.id);
  }
}
