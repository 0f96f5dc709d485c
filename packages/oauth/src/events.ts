import {defineEvent} from '@systemprompt/core';

// The events of the oauth module (module.yaml `events`), with their payloads.

/** A user allowed a client the permissions `granted`; the subject is the client id. */
export const OAUTH_CONSENT = defineEvent<{grantId: string; clientId: string; granted: string[]}>('oauth.consent');
/** A grant and every token of it were revoked (auth:grants:revoke); the subject is the client id. */
export const OAUTH_GRANT_REVOKED = defineEvent<{grantId: string; clientId: string; userId: string}>(
  'oauth.grant.revoked',
);
/** A registered client was removed with its grants (auth:clients:remove). */
export const OAUTH_CLIENT_REMOVED = defineEvent<{clientId: string; grants: number}>('oauth.client.removed');
