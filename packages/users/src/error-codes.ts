import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The users module's error codes (users, roles, grants and the checks on what people type). */
export default defineErrorCodes({
  USER_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No user has that id or email.',
    hint: 'Give a user id or email; see users:list.',
  },
  USER_EXISTS: {exit: ExitCode.Conflict, meaning: 'A user with that email already exists.'},
  USER_REQUIRED: {exit: ExitCode.InvalidInput, meaning: 'The command, or a --batch row, names no user.'},
  USER_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The name is too long or has characters a name cannot have.',
  },
  EMAIL_REQUIRED: {exit: ExitCode.InvalidInput, meaning: 'The command, or a --batch row, gives no email address.'},
  EMAIL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a valid email address.',
    hint: 'An address looks like name@example.com.',
  },
  EMAIL_MIXED_SCRIPT: {
    exit: ExitCode.InvalidInput,
    meaning: 'The email address mixes alphabets in one part, as lookalike addresses do.',
    hint: 'Type the address again in one alphabet.',
  },
  PASSWORD_TOO_SHORT: {exit: ExitCode.InvalidInput, meaning: 'The password has fewer than 8 characters.'},
  PASSWORD_TOO_LONG: {exit: ExitCode.InvalidInput, meaning: 'The password has more than 1024 characters.'},
  NOTHING_TO_CHANGE: {
    exit: ExitCode.InvalidInput,
    meaning: 'users:update was given nothing to change.',
    hint: 'Give --name, --email, --add-role or --remove-role.',
  },
  ROLE_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No role has that name.', hint: 'See auth:role for the roles.'},
  ROLE_EXISTS: {exit: ExitCode.Conflict, meaning: 'A role with that name already exists.'},
  ROLE_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a role name (lower-case letters, digits and dashes, up to 64).',
  },
  ROLE_DESCRIPTION_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The role description is too long or has characters a description cannot have.',
  },
  ROLE_BUILTIN: {
    exit: ExitCode.InvalidInput,
    meaning: 'A built-in role cannot be deleted, nor its permissions changed.',
    hint: 'Create a role of your own with auth:role:create.',
  },
  GRANT_SUBJECT: {
    exit: ExitCode.InvalidInput,
    meaning: 'A grant or revocation names both a user and a role, or neither.',
    hint: 'Give one of --user and --role.',
  },
  PERMISSION_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'No installed module declares that permission.',
    hint: 'See permissions:list; wildcards such as users:* are always accepted.',
  },
  PERMISSION_ESCALATION: {
    exit: ExitCode.PermissionDenied,
    meaning: 'Nobody can give a permission they do not hold, directly or through a role.',
  },
  TEXT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Text someone typed is too long, not valid UTF-8, or has control or bidirectional override characters.',
  },
  BATCH_FIELD_UNKNOWN: {exit: ExitCode.InvalidInput, meaning: 'A --batch row has a field the command does not take.'},
  BATCH_FIELD_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A --batch row's field is not of the type the command takes (text or a whole number).",
  },
});
