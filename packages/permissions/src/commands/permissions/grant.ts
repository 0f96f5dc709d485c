import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import type {UsersApi} from '@systemprompt/users';

export default class PermissionsGrant extends SystemPromptCommand<typeof PermissionsGrant> {
  static override summary = 'Grant a permission to a user or a role.';
  static override description = 'PERMISSION is resource:action as modules declare it (see permissions:list), or a wildcard: resource:*, *:action or *. Built-in roles keep their permissions.';
  static override examples = ['<%= config.bin %> <%= command.id %> users:read --role editor', '<%= config.bin %> <%= command.id %> users:* --user ana@example.com'];
  static override args = {permission: Args.string({required: true, description: 'The permission.'})};
  static override flags = {
    user: Flags.string({description: 'User id or email.', exactlyOne: ['user', 'role']}),
    role: Flags.string({description: 'Role name.', exactlyOne: ['user', 'role']}),
  };

  async run(): Promise<unknown> {
    const {roles} = await this.service<UsersApi>();
    const subject = {...(this.flags.user ? {user: this.flags.user} : {}), ...(this.flags.role ? {role: this.flags.role} : {})};
    const declared = await this.declaredPermissions();
    return roles.grant(await this.actor(), this.args.permission, subject, declared);
  }
}
