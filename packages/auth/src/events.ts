import {defineEvent} from '@systemprompt/core';

// The events of the auth module (module.yaml `events`), with their payloads.

/** A sign-in, or a refused one with its reason; the subject is the email. */
export const AUTH_LOGIN = defineEvent<{email: string; ok: boolean; reason?: string}>('auth.login');
export const AUTH_LOGOUT = defineEvent<{email: string}>('auth.logout');
/** A new signing key (the subject is its kid), which signs from now on. */
export const AUTH_KEY_GENERATED = defineEvent<{kid: string; alg: string}>('auth.key.generated');
export const AUTH_KEY_RETIRED = defineEvent<{kid: string}>('auth.key.retired');
/** An identity provider was added or removed; the subject is its name. */
export const AUTH_PROVIDER_CHANGED = defineEvent<{name: string; change: 'added' | 'removed'}>('auth.provider.changed');
