import {SystemPromptCommand} from '@systemprompt/core';
import type {MfaStatus} from '../../index.js';
import {AUTH} from '../../token.js';

export default class AuthMfa extends SystemPromptCommand<typeof AuthMfa> {
  static override summary = 'Show whether two-factor sign-in is on for you.';
  static override description =
    'off: sign-in needs the password only; pending: an authenticator app was enrolled with auth:mfa:enroll and waits for auth:mfa:verify; on: sign-in needs a code from the app too. Needs a signed-in user (auth:login).';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<MfaStatus> {
    const auth = await this.service(AUTH);
    const status = await auth.mfa.status(await this.actor());
    if (status.mfa === 'off') this.notices.push('Turn it on with auth:mfa:enroll, then auth:mfa:verify CODE.');
    if (status.mfa === 'pending') this.notices.push('Finish with auth:mfa:verify CODE, the code your app shows.');
    return status;
  }
}
