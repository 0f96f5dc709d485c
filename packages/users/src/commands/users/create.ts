import {Flags, SystemPromptCommand, dryRunFlag, interactiveFlag, readSecretFromStdin} from '@systemprompt/core';
import type {UsersApi} from '../../index.js';
import type {UserView} from '../../services/users.js';

export default class UsersCreate extends SystemPromptCommand<typeof UsersCreate> {
  static override summary = 'Create a user.';
  static override description = 'The email is the sign-in name (unique; an invalid one is exit 2, an existing one exit 5). Roles must exist (see auth:role). A password, if any, is read from standard input and stored as an argon2id hash.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --email ana@example.com --name "Ana Lima" --role operator',
    'printf %s "$PASSWORD" | <%= config.bin %> <%= command.id %> --email bo@example.com --role viewer --password-stdin',
    '<%= config.bin %> <%= command.id %> --interactive',
  ];
  static override flags = {
    email: Flags.string({description: 'Email address (the sign-in name).'}),
    name: Flags.string({description: 'Display name.'}),
    role: Flags.string({description: 'A role to give (repeatable).', multiple: true}),
    'password-stdin': Flags.boolean({description: 'Read a password from standard input.'}),
    ...interactiveFlag,
    ...dryRunFlag,
  };

  async run(): Promise<UserView | {email: string; roles: string[]; dryRun: true}> {
    let {email, name} = this.flags;
    if (this.flags.interactive) {
      const answers = await this.prompt([
        {name: 'email', message: 'Email', default: email, validate: (value) => (/@/.test(value) ? undefined : 'An email address, please')},
        {name: 'name', message: 'Name (optional)', default: name},
      ]);
      email = String(answers.email);
      name = String(answers.name) || undefined;
    }
    if (!email) throw (await import('@systemprompt/core')).invalidInput('--email is required', {code: 'EMAIL_REQUIRED', hint: 'Or use --interactive on a terminal.'});
    const password = this.flags['password-stdin'] ? await readSecretFromStdin('password') : undefined;
    if (this.flags['dry-run']) {
      this.meta.dryRun = true;
      return {email, roles: this.flags.role ?? [], dryRun: true};
    }
    const {users} = await this.service<UsersApi>();
    return users.create(await this.actor(), {email, ...(name ? {name} : {}), roles: this.flags.role ?? [], ...(password ? {password} : {})});
  }
}
