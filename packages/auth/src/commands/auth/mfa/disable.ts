import {Args, Flags, SystemPromptCommand, confirmFlag, isInteractiveTerminal} from '@systemprompt/core';
import type {MfaStatus} from '../../../index.js';
import {AUTH} from '../../../token.js';

export default class AuthMfaDisable extends SystemPromptCommand<typeof AuthMfaDisable> {
  static override summary = 'Turn two-factor sign-in off (asks for confirmation).';
  static override description =
    'For yourself it needs a current code from the app (asked for on a terminal); a missing or wrong code is exit 4. With --user an administrator holding users:update turns it off for someone who lost their device, without a code (without users:update: exit 4, whether or not the user exists). Without a terminal it needs --confirm.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 123456 --confirm',
    '<%= config.bin %> <%= command.id %> --user ana@example.com --confirm',
  ];
  static override args = {
    code: Args.string({description: 'The 6 digits your authenticator app shows (for your own account).'}),
  };
  static override flags = {
    user: Flags.string({description: 'Turn it off for this user (id or email) instead; needs users:update.'}),
    ...confirmFlag,
  };

  async run(): Promise<MfaStatus> {
    const auth = await this.service(AUTH);
    const canAsk = isInteractiveTerminal() && this.format === 'table';
    return auth.mfa.disable(await this.actor(), {
      ...(this.args.code === undefined ? {} : {code: this.args.code}),
      ...(this.flags.user ? {user: this.flags.user} : {}),
      confirm: (question) => this.confirmAction(question),
      ...(canAsk
        ? {
            askCode: async () =>
              String((await this.prompt([{name: 'code', message: 'Code from your authenticator app'}])).code),
          }
        : {}),
    });
  }
}
