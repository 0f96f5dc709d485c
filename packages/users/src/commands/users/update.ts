import {Args, Flags, SystemPromptCommand, invalidInput} from '@systemprompt/core';
import type {UsersApi} from '../../index.js';
import type {UserView} from '../../services/users.js';

export default class UsersUpdate extends SystemPromptCommand<typeof UsersUpdate> {
  static override summary = 'Change a user\'s name, email or roles.';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com --name "Ana L."', '<%= config.bin %> <%= command.id %> ana@example.com --add-role editor --remove-role viewer'];
  static override args = {user: Args.string({required: true, description: 'User id or email.'})};
  static override flags = {
    name: Flags.string({description: 'New display name.'}),
    email: Flags.string({description: 'New email address.'}),
    'add-role': Flags.string({description: 'A role to add (repeatable).', multiple: true}),
    'remove-role': Flags.string({description: 'A role to remove (repeatable).', multiple: true}),
  };

  async run(): Promise<UserView> {
    const {name, email} = this.flags;
    const addRoles = this.flags['add-role'] ?? [];
    const removeRoles = this.flags['remove-role'] ?? [];
    if (name === undefined && email === undefined && addRoles.length === 0 && removeRoles.length === 0) {
      throw invalidInput('Nothing to change', {code: 'NOTHING_TO_CHANGE', hint: 'Give --name, --email, --add-role or --remove-role.'});
    }
    const {users} = await this.service<UsersApi>();
    return users.update(await this.actor(), this.args.user, {...(name !== undefined ? {name} : {}), ...(email !== undefined ? {email} : {}), addRoles, removeRoles});
  }
}
