import {Args, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {AUTH} from '../../../token.js';

export default class AuthRoleDelete extends SystemPromptCommand<typeof AuthRoleDelete> {
  static override summary = 'Delete a role (asks for confirmation).';
  static override description =
    'Its users lose the permissions it gave. Needs roles:write, checked first: without it the answer is exit 4 whether or not the role exists. The built-in roles admin, operator and viewer cannot be deleted (exit 2); an unknown role is exit 3. Without a terminal it needs --confirm. --dry-run checks all of this and deletes nothing.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> auditor',
    '<%= config.bin %> <%= command.id %> auditor --confirm',
  ];
  static override args = {name: Args.string({required: true, description: 'The role to delete.'})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<{name: string; deleted: boolean; dryRun?: true}> {
    if (this.flags['dry-run']) this.meta.dryRun = true;
    const auth = await this.service(AUTH);
    return auth.users.roles.delete(await this.actor(), this.args.name, {
      dryRun: this.flags['dry-run'],
      confirm: (question) => this.confirmAction(question),
    });
  }
}
