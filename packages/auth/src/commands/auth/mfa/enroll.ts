import {SystemPromptCommand, renderRecord, textResult, type TextResult} from '@systemprompt/core';
import {AUTH} from '../../../token.js';

export default class AuthMfaEnroll extends SystemPromptCommand<typeof AuthMfaEnroll> {
  static override summary = 'Start two-factor sign-in: a new TOTP secret for your authenticator app.';
  static override description = `Creates a secret for a TOTP app (Google Authenticator, 1Password, Aegis...: SHA-1, 6 digits, 30 seconds) and prints it with its otpauth:// URI and, on a terminal, a QR code to scan. This is the only time the secret is shown; it is stored encrypted with the installation key. It is not used until auth:mfa:verify confirms a code from the app. Enrolling again replaces a pending secret; when two-factor sign-in is already on, turn it off first (exit 5). Needs a signed-in user.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<TextResult> {
    const auth = await this.service(AUTH);
    const enrollment = await auth.mfa.enroll(await this.actor());
    let qr = '';
    if (this.format === 'table' && process.stdout.isTTY && !this.flags.output) {
      const {toString} = await import('qrcode');
      qr = `\n${await toString(enrollment.uri, {type: 'terminal', small: true})}`;
    }
    this.notices.push(
      'Add it to your authenticator app, then run auth:mfa:verify CODE with the code it shows. The secret is not shown again.',
    );
    const text = renderRecord(
      Object.fromEntries([
        ['email', enrollment.email],
        ['status', enrollment.status],
        ['secret', enrollment.secret],
        ['uri', enrollment.uri],
      ]),
    ).trimEnd();
    return textResult(`${text}\n${qr}`, enrollment);
  }
}
