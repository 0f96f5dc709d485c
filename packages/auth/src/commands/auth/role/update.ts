import {Args, Flags, SystemPromptCommand, dryRunFlag} from '@systemprompt/core';
import type {RoleView} from '@systemprompt/users';
import {AUTH} from '../../../token.js';

export default class AuthRoleUpdate extends SystemPromptCommand<typeof AuthRoleUpdate> {
  static override summary = 'Change a role: its description, permissions to add or remove.';
  static override description =
    'Added permissions must be declared by an installed module or be wildcards (exit 2 otherwise). The permissions of the built-in roles admin, operator and viewer cannot be changed (exit 2); their description can. Users of the role gain or lose the permissions at once. You must hold every permission you add (exit 4 PERMISSION_ESCALATION). --dry-run checks all of this and changes nothing. Needs roles:write.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> auditor --add-permission permissions:read',
    '<%= config.bin %> <%= command.id %> auditor --remove-permission users:read --description "Reads the audit log only"',
  ];
  static override args = {name: Args.string({required: true, description: 'The role to change.'})};
  static override flags = {
    description: Flags.string({description: 'A new description.'}),
    'add-permission': Flags.string({
      description: 'A permission to add (repeatable).',
      multiple: true,
      helpValue: 'PERMISSION',
    }),
    'remove-permission': Flags.string({
      description: 'A permission to remove (repeatable).',
      multiple: true,
      helpValue: 'PERMISSION',
    }),
    ...dryRunFlag,
  };
  static override columns = ['name', 'description', 'builtin', 'permissions'];

  async run(): Promise<RoleView> {
    const {description} = this.flags;
    if (this.flags['dry-run']) this.meta.dryRun = true;
    const auth = await this.service(AUTH);
    const declared = await this.declaredPermissions();
    const input = {
      ...(description === undefined ? {} : {description}),
      addPermissions: this.flags['add-permission'] ?? [],
      removePermissions: this.flags['remove-permission'] ?? [],
    };
    return auth.users.roles.update(await this.actor(), this.args.name, input, declared, {
      dryRun: this.flags['dry-run'],
    });
  }
}
