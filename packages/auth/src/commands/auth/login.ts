import {Flags, SystemPromptCommand, invalidInput, isInteractiveTerminal, readSecretFromStdin} from '@systemprompt/core';
import type {LoginResult} from '../../index.js';
import {AUTH} from '../../token.js';

export default class AuthLogin extends SystemPromptCommand<typeof AuthLogin> {
  static override summary = 'Sign in: later commands run as you, with your permissions.';
  static override description = `Checks the email and password (and, with two-factor sign-in on, a code from the authenticator app), opens a session and keeps its token in <config>/session.json (mode 600); the token is never printed. On a terminal, what is not given is asked for; without one, give --email and pipe the password with --password-stdin.

Failed attempts are counted per email: after auth.loginMaxFailures (default 5) failures within auth.loginLockMinutes (default 15) further attempts are refused, even with the right password, until the lock passes. A wrong password, an unknown email, a disabled user, a missing or wrong code and a lock are all exit 4. Signing in again ends the previous session of this installation.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'printf %s "$PASSWORD" | <%= config.bin %> <%= command.id %> --email ana@example.com --password-stdin',
    'printf %s "$PASSWORD" | <%= config.bin %> <%= command.id %> --email ana@example.com --password-stdin --code 123456',
  ];
  static override flags = {
    email: Flags.string({description: 'Your email address (asked for on a terminal when missing).'}),
    'password-stdin': Flags.boolean({
      description: 'Read the password from standard input (needed without a terminal).',
    }),
    code: Flags.string({
      description:
        'The 6-digit code of your authenticator app, when two-factor sign-in is on (asked for on a terminal when needed).',
      helpValue: 'CODE',
    }),
  };
  static override columns = ['email', 'userId', 'sessionId', 'expiresAt', 'mfa'];

  async run(): Promise<LoginResult> {
    const interactive = isInteractiveTerminal() && this.format === 'table';
    let email = this.flags.email;
    let password = this.flags['password-stdin'] ? await readSecretFromStdin('password') : undefined;
    if (interactive && (email === undefined || password === undefined)) {
      const answers = await this.prompt([
        ...(email === undefined
          ? [
              {
                name: 'email',
                message: 'Email',
                validate: (value: string) => (value.includes('@') ? undefined : 'An email address, please'),
              },
            ]
          : []),
        ...(password === undefined ? [{name: 'password', message: 'Password', kind: 'password' as const}] : []),
      ]);
      email ??= String(answers.email);
      password ??= String(answers.password);
    }
    if (email === undefined || password === undefined) {
      throw invalidInput('Without a terminal, give --email and pipe the password with --password-stdin', {
        code: 'LOGIN_CREDENTIALS_REQUIRED',
        hint: 'printf %s "$PASSWORD" | systemprompt auth:login --email you@example.com --password-stdin',
      });
    }
    const auth = await this.service(AUTH);
    const result = await auth.login.login({
      email,
      password,
      code: this.flags.code,
      askCode: interactive
        ? async () => String((await this.prompt([{name: 'code', message: 'Code from your authenticator app'}])).code)
        : undefined,
    });
    this.notices.push(`Signed in as ${result.email} until ${result.expiresAt}.`);
    if (process.env.SYSTEMPROMPT_API_KEY?.trim())
      this.warnings.push('SYSTEMPROMPT_API_KEY is set: commands run as the owner of that key until it is unset.');
    return result;
  }
}
