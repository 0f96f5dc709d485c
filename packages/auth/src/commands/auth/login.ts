import {Flags, SystemPromptCommand, invalidInput, isInteractiveTerminal, readSecretFromStdin} from '@systemprompt/core';
import type {FederatedLoginResult, LoginResult} from '../../index.js';
import {DEFAULT_LOGIN_TIMEOUT_SECONDS} from '../../services/federation.js';
import {AUTH} from '../../token.js';

export default class AuthLogin extends SystemPromptCommand<typeof AuthLogin> {
  static override summary =
    'Sign in with a password or an identity provider: later commands run as you, with your permissions.';
  static override description = `Checks the email and password (and, with two-factor sign-in on, a code from the authenticator app), opens a session and keeps its token in <config>/session.json (mode 600); the token is never printed. On a terminal, what is not given is asked for; without one, give --email and pipe the password with --password-stdin.

Failed attempts are counted per email: after auth.loginMaxFailures (default 5) failures within auth.loginLockMinutes (default 15) further attempts are refused, even with the right password, until the lock passes. A wrong password, an unknown email, a disabled user, a missing or wrong code and a lock are all exit 4. Signing in again ends the previous session of this installation.

With --provider, you sign in at an OpenID Connect provider added with auth:providers:add (authorization code with PKCE): the address to open is printed on standard error and, on a terminal, opened in your browser; the provider sends the browser back to a listener on 127.0.0.1. The provider's account is the local user it was linked to before, else the user with the email the provider gives when it says the email is verified, else a new user with the provider's default role (a provider without one creates no users). The roles mapped to the provider's groups (--map-group) are given and taken at each sign-in. No local user, an email that is not verified, a disabled user or a refusal by the provider is exit 4; no answer within --timeout exit 6.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'printf %s "$PASSWORD" | <%= config.bin %> <%= command.id %> --email ana@example.com --password-stdin',
    'printf %s "$PASSWORD" | <%= config.bin %> <%= command.id %> --email ana@example.com --password-stdin --code 123456',
    '<%= config.bin %> <%= command.id %> --provider google',
    '<%= config.bin %> <%= command.id %> --provider keycloak --no-browser --timeout 120',
  ];
  static override flags = {
    email: Flags.string({
      description: 'Your email address (asked for on a terminal when missing).',
    }),
    'password-stdin': Flags.boolean({
      description: 'Read the password from standard input (needed without a terminal).',
    }),
    code: Flags.string({
      description:
        'The 6-digit code of your authenticator app, when two-factor sign-in is on (asked for on a terminal when needed).',
      helpValue: 'CODE',
    }),
    provider: Flags.string({
      description: 'Sign in through this identity provider (see auth:providers) instead of with a password.',
      helpValue: 'NAME',
      exclusive: ['email', 'password-stdin', 'code'],
    }),
    'no-browser': Flags.boolean({
      description: 'With --provider: only print the address to open, do not open a browser.',
      dependsOn: ['provider'],
    }),
    timeout: Flags.integer({
      description: `With --provider: give up when the browser has not come back after this many seconds (default ${DEFAULT_LOGIN_TIMEOUT_SECONDS}).`,
      min: 1,
      max: 3600,
      helpValue: 'SECONDS',
      dependsOn: ['provider'],
    }),
  };
  static override columns = ['email', 'userId', 'sessionId', 'expiresAt', 'mfa', 'provider'];

  async run(): Promise<LoginResult | FederatedLoginResult> {
    if (this.flags.provider !== undefined) return this.throughProvider(this.flags.provider);
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

  private async throughProvider(name: string): Promise<FederatedLoginResult> {
    const auth = await this.service(AUTH);
    const browser = !this.flags['no-browser'] && isInteractiveTerminal();
    const result = await auth.federation.login(name, {
      timeoutSeconds: this.flags.timeout ?? DEFAULT_LOGIN_TIMEOUT_SECONDS,
      onAuthorizationUrl: async (url) => {
        // Standard error in every format: standard output carries only the result.
        process.stderr.write(`Open this address to sign in: ${url}\n`);
        if (!browser) return;
        try {
          const {default: open} = await import('open');
          await open(url);
        } catch (error) {
          this.warnings.push(
            `The browser could not be opened (${(error as Error).message}): open the address yourself.`,
          );
        }
      },
      onWarning: (message) => this.warnings.push(message),
    });
    this.notices.push(`Signed in through ${result.provider} as ${result.email} until ${result.expiresAt}.`);
    if (process.env.SYSTEMPROMPT_API_KEY?.trim())
      this.warnings.push('SYSTEMPROMPT_API_KEY is set: commands run as the owner of that key until it is unset.');
    return result;
  }
}
