import {Flags, SystemPromptCommand, textResult, type TextResult} from '@systemprompt/core';
import {MAX_TOKEN_MINUTES} from '../../services/tokens.js';
import {AUTH} from '../../token.js';

export default class AuthToken extends SystemPromptCommand<typeof AuthToken> {
  static override summary = 'Issue a signed token (JWT) for the HTTP API and MCP; it is printed once.';
  static override description = `The token is signed with the active key of auth:generatekey (none yet: exit 6) and carries sub (the user id), email, scope (the permissions, space-separated), iat, exp, jti and iss "systemprompt"; its header names the key (kid) and alg. Servers verify it with the JWKS of auth:generatekey --jwks.

Scopes default to everything the user holds now and can never go beyond it (exit 4). A token for another user (--user) needs auth:tokens; the local administrator, who is no user, must name one. In table mode only the token goes to standard output, so TOKEN=$(systemprompt auth:token) works; it is not stored anywhere.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --scope users:read --scope audit:read --expires-in 15',
    '<%= config.bin %> <%= command.id %> --user ci@example.com --scope agents:run --expires-in 1440 --json',
  ];
  static override flags = {
    scope: Flags.string({
      description: 'A permission the token carries (repeatable; default: all the user holds).',
      multiple: true,
      helpValue: 'PERMISSION',
    }),
    'expires-in': Flags.integer({
      description: 'Lifetime in minutes (default auth.tokenTtlMinutes, 60).',
      min: 1,
      max: MAX_TOKEN_MINUTES,
      helpValue: 'MINUTES',
    }),
    user: Flags.string({description: 'Issue it for this user (id or email); needs auth:tokens unless it is you.'}),
  };

  async run(): Promise<TextResult> {
    const auth = await this.service(AUTH);
    const issued = await auth.tokens.issue(await this.actor(), {
      scopes: this.flags.scope,
      expiresInMinutes: this.flags['expires-in'],
      user: this.flags.user,
    });
    this.notices.push(
      `Token for ${issued.user}, scopes ${issued.scopes.join(' ')}, expires ${issued.expiresAt} (kid ${issued.kid}). It is not shown again.`,
    );
    return textResult(`${issued.token}\n`, issued);
  }
}
