import {timingSafeEqual} from 'node:crypto';
import {permissionDenied, SYSTEM_ACTOR, type Actor} from '@systemprompt/core';
import type {ApiModuleApi} from '@systemprompt/api';
import type {AuthApi} from '@systemprompt/auth';
import {SERVER_TOKEN_PREFIX} from '@systemprompt/core';

/** The actor of a CLI process of this installation that presents the local server token. */
export const LOCAL_CLI_ACTOR: Actor = Object.freeze({...SYSTEM_ACTOR, label: 'local-cli'});

const invalid = (what: string) =>
  permissionDenied(`The ${what} is not valid`, {
    code: 'CREDENTIAL_INVALID',
    hint: 'It may be revoked, expired or mistyped: see api:keys, or get a new token with auth:token.',
  });

/**
 * Who sends a request, from its `Authorization: Bearer` header: an API key (`spk_...`), the local
 * server token (`sps_...`), or a token from auth:token (a JWT). Undefined without a credential; an
 * invalid one is refused at once, with the same answer whatever was wrong with it.
 */
export function createAuthenticator(deps: {api: ApiModuleApi; auth: AuthApi; serverToken: string}) {
  const expected = Buffer.from(deps.serverToken);
  return async (header: string | undefined): Promise<Actor | undefined> => {
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw invalid('Authorization header (expected "Bearer <API key or token>")');
    const credential = match[1]!;
    if (credential.startsWith(SERVER_TOKEN_PREFIX)) {
      const given = Buffer.from(credential);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return LOCAL_CLI_ACTOR;
      throw invalid('server token');
    }
    if (credential.startsWith('spk_')) {
      const actor = await deps.api.keys.verify(credential);
      if (!actor) throw invalid('API key');
      return actor;
    }
    try {
      return await deps.auth.verifyToken(credential);
    } catch {
      throw invalid('token');
    }
  };
}
