import {ANONYMOUS, LOCAL_ADMIN, permissionDenied, type Actor, type IdentityProvider} from '@systemprompt/core';
import type {UsersApi} from '@systemprompt/users';
import {readSessionFile} from './session-file.js';

/** The part of the api module's service that identity needs (module `api`). */
export interface ApiKeyVerifier {
  keys: {verify(rawKey: string): Promise<Actor | undefined>};
}

/** An actor that must be a signed-in user, for what concerns one's own account (MFA, one's token). */
export function requireUser(actor: Actor, what: string): asserts actor is Actor & {kind: 'user'} {
  if (actor.kind !== 'user') {
    throw permissionDenied(`${what} needs a signed-in user; this command runs as ${actor.label}`, {
      code: 'NOT_SIGNED_IN',
      hint: 'Sign in with auth:login.',
    });
  }
}

/**
 * Who runs a CLI command, in this order: the API key in SYSTEMPROMPT_API_KEY, the session in
 * `<config>/session.json`, and otherwise the local operator while local trust is on, or nobody.
 */
export class IdentityService implements IdentityProvider {
  constructor(
    private readonly users: UsersApi,
    private readonly api: () => ApiKeyVerifier,
    private readonly sessionFile: string,
    readonly localTrust: boolean,
  ) {}

  async resolveCliActor({env}: {env: NodeJS.ProcessEnv}): Promise<Actor> {
    const apiKey = env.SYSTEMPROMPT_API_KEY?.trim();
    if (apiKey) {
      // The key is never part of a message: it may be a real one with a typo.
      const actor = await this.api().keys.verify(apiKey);
      if (!actor) {
        throw permissionDenied('SYSTEMPROMPT_API_KEY is not a valid API key', {
          code: 'API_KEY_INVALID',
          hint: 'It may be revoked, expired or mistyped (api:keys lists keys by prefix); unset SYSTEMPROMPT_API_KEY to use your session instead.',
        });
      }
      return actor;
    }
    const session = await readSessionFile(this.sessionFile);
    if (session) {
      const found = await this.users.sessions.verify(session.token);
      if (!found) {
        throw permissionDenied(`The session of ${session.email} has expired or was revoked`, {
          code: 'SESSION_EXPIRED',
          hint: 'Sign in again with auth:login (or auth:logout to remove the session file).',
        });
      }
      return {kind: 'user', id: found.user.id, label: found.user.email, via: 'session', credentialId: found.session.id};
    }
    return this.localTrust ? LOCAL_ADMIN : ANONYMOUS;
  }
}
