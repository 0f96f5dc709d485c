import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {MfaStatus} from '../../../index.js';
import {AUTH} from '../../../token.js';

export default class AuthMfaVerify extends SystemPromptCommand<typeof AuthMfaVerify> {
  static override summary = 'Turn two-factor sign-in on with a code from the app you enrolled.';
  static override description =
    'Checks a code against the secret of auth:mfa:enroll; when it is right, two-factor sign-in is on and auth:login asks for a code from now on. A wrong code is exit 2 and changes nothing. Needs a signed-in user.';
  static override examples = ['<%= config.bin %> <%= command.id %> 123456'];
  static override args = {
    code: Args.string({required: true, description: 'The 6 digits your authenticator app shows.'}),
  };

  async run(): Promise<MfaStatus> {
    const auth = await this.service(AUTH);
    const status = await auth.mfa.verify(await this.actor(), this.args.code);
    this.notices.push(`Two-factor sign-in is on for ${status.email}: auth:login asks for a code from now on.`);
    return status;
  }
}
