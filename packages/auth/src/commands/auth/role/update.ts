import {Args, Flags, SystemPromptCommand, invalidInput} from '@systemprompt/core';
import type {RoleView} from '@systemprompt/users';
import type {AuthApi} from '../../../index.js';

export default class AuthRoleUpdate extends SystemPromptCommand<typeof AuthRoleUpdate> {
  static override summary = 'Change a role: its description, permissions to add or remove.';
  static override description = 'Added permissions must be declared by an installed module or be wildcards (exit 2 otherwise). The permissions of the built-in roles admin, operator and viewer cannot be changed (exit 2); their description can. Users of the role gain or lose the permissions at once. Needs roles:write.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> auditor --add-permission permissions:read',
    '<%= config.bin %> <%= command.id %> auditor --remove-permission users:read --description "Reads the audit log only"',
  ];
  static override args = {name: Args.string({required: true, description: 'The role to change.'})};
  static override flags = {
    description: Flags.string({description: 'A new description.'}),
    'add-permission': Flags.string({description: 'A permission to add (repeatable).', multiple: true, helpValue: 'PERMISSION'}),
    'remove-permission': Flags.string({description: 'A permission to remove (repeatable).', multiple: true, helpValue: 'PERMISSION'}),
  };
  static override columns = ['name', 'description', 'builtin', 'permissions'];

  async run(): Promise<RoleView> {
    const {description} = this.flags;
    const add = this.flags['add-permission'] ?? [];
    const remove = this.flags['remove-permission'] ?? [];
    if (description === undefined && add.length === 0 && remove.length === 0) {
      throw invalidInput('Nothing to change', {code: 'NOTHING_TO_UPDATE', hint: 'Give --description, --add-permission or --remove-permission.'});
    }
    const auth = await this.service<AuthApi>();
    const declared = await this.declaredPermissions();
    return auth.users.roles.update(await this.actor(), this.args.name, {...(description === undefined ? {} : {description}), addPermissions: add, removePermissions: remove}, declared);
  }
}
