import {Args, Flags, SystemPromptCommand, dryRunFlag} from '@systemprompt/core';
import type {RoleView} from '@systemprompt/users';
import {AUTH} from '../../../token.js';

export default class AuthRoleCreate extends SystemPromptCommand<typeof AuthRoleCreate> {
  static override summary = 'Create a role with permissions.';
  static override description =
    'A role name is lower-case letters, digits and dashes (up to 64); the description has at most 300 characters. Each permission must be declared by an installed module (see permissions:list), or be a wildcard such as users:* or *:read; anything else is exit 2. You must hold every permission you put in the role (nobody gives what they do not hold: exit 4 PERMISSION_ESCALATION). An existing name is exit 5. --dry-run checks all of this and creates nothing. Needs roles:write.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> auditor --description "Reads the audit log" --permission audit:read --permission users:read',
    '<%= config.bin %> <%= command.id %> user-admin --permission "users:*"',
  ];
  static override args = {name: Args.string({required: true, description: 'Role name.'})};
  static override flags = {
    description: Flags.string({description: 'What the role is for.'}),
    permission: Flags.string({
      description: 'A permission the role gives (repeatable).',
      multiple: true,
      helpValue: 'PERMISSION',
    }),
    ...dryRunFlag,
  };
  static override columns = ['name', 'description', 'builtin', 'permissions'];

  async run(): Promise<RoleView> {
    const auth = await this.service(AUTH);
    const declared = await this.declaredPermissions();
    if (this.flags['dry-run']) this.meta.dryRun = true;
    return auth.users.roles.create(
      await this.actor(),
      {
        name: this.args.name,
        ...(this.flags.description === undefined ? {} : {description: this.flags.description}),
        permissions: this.flags.permission ?? [],
      },
      declared,
      {dryRun: this.flags['dry-run']},
    );
  }
}
