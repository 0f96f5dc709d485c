import {defineEvent} from '@systemprompt/core';

/** The events of the users module (module.yaml `events`), with their payloads; the subject is the user id or role name. */
export const USER_CREATED = defineEvent<{id: string; email: string; roles: string[]}>('user.created');
export const USER_UPDATED = defineEvent<{id: string; email: string}>('user.updated');
export const USER_ENABLED = defineEvent<{id: string; email: string}>('user.enabled');
export const USER_DISABLED = defineEvent<{id: string; email: string}>('user.disabled');
export const USER_DELETED = defineEvent<{id: string; email: string}>('user.deleted');
export const ROLE_CHANGED = defineEvent<{role: string; change: 'created' | 'updated' | 'deleted'}>('role.changed');
/** Granted to or revoked from a user (by email) or a role; the subject is that email or role name. */
export const PERMISSION_GRANTED = defineEvent<{permission: string; user?: string; role?: string}>('permission.granted');
export const PERMISSION_REVOKED = defineEvent<{permission: string; user?: string; role?: string}>('permission.revoked');
