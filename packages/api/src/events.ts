import {defineEvent} from '@systemprompt/core';

/** The API key events of the api module, with their payloads; the subject is the key id. */
export const API_KEY_CREATED = defineEvent<{id: string; userId: string; prefix: string}>('api.key.created');
export const API_KEY_REVOKED = defineEvent<{id: string; userId: string; prefix: string}>('api.key.revoked');
/** A new key replaced the key `replaces`, which is revoked. */
export const API_KEY_ROTATED = defineEvent<{id: string; userId: string; prefix: string; replaces: string}>(
  'api.key.rotated',
);
