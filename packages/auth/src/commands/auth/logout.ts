import {SystemPromptCommand} from '@systemprompt/core';
import {AUTH} from '../../token.js';

export default class AuthLogout extends SystemPromptCommand<typeof AuthLogout> {
  static override summary = 'Sign out: end the session and remove the session file.';
  static override description =
    'Revokes the session of <config>/session.json and deletes the file. Afterwards commands run as the local administrator while auth.localTrust is on, and as nobody (so most are refused) while it is off. Signing out when nobody is signed in is no error.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<{email: string | null; signedOut: boolean}> {
    const auth = await this.service(AUTH);
    const result = await auth.login.logout();
    this.notices.push(result.signedOut ? `Signed out ${result.email}.` : 'Nobody was signed in.');
    return result;
  }
}
