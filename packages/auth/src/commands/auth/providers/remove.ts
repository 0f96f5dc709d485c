import {Args, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import {AUTH} from '../../../token.js';

export default class AuthProvidersRemove extends SystemPromptCommand<typeof AuthProvidersRemove> {
  static override summary = 'Remove an identity provider and its stored client secret (asks for confirmation).';
  static override description =
    'Sign-in through this provider stops working, and its links to local users are deleted (the users stay). Needs auth:providers, checked first (without it: exit 4, whether or not the provider exists). An unknown name is exit 3. Without a terminal it needs --confirm.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> google',
    '<%= config.bin %> <%= command.id %> google --confirm',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to remove.'})};
  static override flags = {...confirmFlag};

  async run(): Promise<{name: string; removed: true}> {
    const auth = await this.service(AUTH);
    return auth.providers.remove(await this.actor(), this.args.name, {
      confirm: (question) => this.confirmAction(question),
    });
  }
}
