import {Args, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import type {AuthApi} from '../../../index.js';

export default class AuthRoleDelete extends SystemPromptCommand<typeof AuthRoleDelete> {
  static override summary = 'Delete a role (asks for confirmation).';
  static override description = 'Its users lose the permissions it gave. The built-in roles admin, operator and viewer cannot be deleted (exit 2); an unknown role is exit 3. Without a terminal it needs --confirm. Needs roles:write.';
  static override examples = ['<%= config.bin %> <%= command.id %> auditor', '<%= config.bin %> <%= command.id %> auditor --confirm'];
  static override args = {name: Args.string({required: true, description: 'The role to delete.'})};
  static override flags = {...confirmFlag};

  async run(): Promise<{name: string; deleted: true}> {
    const auth = await this.service<AuthApi>();
    const actor = await this.actor();
    const role = await auth.users.roles.get(actor, this.args.name);
    await this.confirmAction(`Delete role ${role.name}${role.builtin ? ' (built-in)' : ''}? Its users lose ${role.permissions.length} permission${role.permissions.length === 1 ? '' : 's'}.`);
    return auth.users.roles.delete(actor, role.name);
  }
}
