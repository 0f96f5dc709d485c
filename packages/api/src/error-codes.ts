import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The api module's error codes (API keys, rate limits and usage). */
export default defineErrorCodes({
  DATABASE_MISSING: {
    exit: ExitCode.Unavailable,
    meaning: 'The api module needs the database module, and it is not there.',
  },
  KEY_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No API key has that id or prefix.',
    hint: 'Give a key id or its prefix (spk_ and 8 characters); see api:keys:list.',
  },
  KEY_EXISTS: {
    exit: ExitCode.Conflict,
    meaning: 'The owner already has an active API key of that name.',
    hint: 'Choose another name, or rotate that key (api:keys:rotate).',
  },
  KEY_REVOKED: {exit: ExitCode.Conflict, meaning: 'The API key is revoked: it cannot be revoked again or rotated.'},
  KEY_EXPIRED: {
    exit: ExitCode.Conflict,
    meaning: 'The API key has expired, so it cannot be rotated.',
    hint: 'Create a new key with api:keys:create.',
  },
  KEY_PREFIX_CLASH: {
    exit: ExitCode.Conflict,
    meaning: 'No unused key prefix could be drawn (very unlikely).',
    hint: 'Try again.',
  },
  KEY_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The key name is missing, longer than 100 characters or has characters a name cannot have.',
  },
  KEY_OWNER_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'The actor is not a user, so the key needs an owner (--user).',
    hint: 'Give a user id or email; see users:list.',
  },
  KEY_SCOPES_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'An API key needs at least one scope.',
    hint: "Scopes are permissions, e.g. --scope users:read; --scope '*' gives everything its owner holds.",
  },
  KEY_SCOPES_TOO_MANY: {exit: ExitCode.InvalidInput, meaning: 'An API key has too many scopes.'},
  KEY_EXPIRY_INVALID: {exit: ExitCode.InvalidInput, meaning: 'The expiry in days is not a whole number in range.'},
  SCOPE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A scope is not a permission (resource:action, resource:*, *:action or *).',
  },
  SCOPE_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'No installed module declares the permission a scope names.',
    hint: 'See permissions:list; wildcards such as users:* are always accepted.',
  },
  SCOPE_NOT_HELD: {
    exit: ExitCode.PermissionDenied,
    meaning: "A key's scopes may not exceed its owner's permissions.",
    hint: 'Leave the scope out, or grant the permission first (permissions:grant).',
  },
  LIMIT_SUBJECT: {
    exit: ExitCode.InvalidInput,
    meaning: 'A rate limit names both an API key and a role, or neither.',
    hint: 'Give one of --key and --role.',
  },
  LIMIT_INVALID: {exit: ExitCode.InvalidInput, meaning: 'Requests per minute is not a whole number in range.'},
  LIMIT_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'There is no rate limit for that key or role.',
    hint: 'See api:limits.',
  },
  DAY_INVALID: {exit: ExitCode.InvalidInput, meaning: 'Not a day as YYYY-MM-DD.'},
  ENDPOINT_INVALID: {exit: ExitCode.InvalidInput, meaning: 'An endpoint name is empty or longer than 200 characters.'},
});
