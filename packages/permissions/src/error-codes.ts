import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The permissions module's error codes (grants, checks and the audit log). */
export default defineErrorCodes({
  PERMISSION_REQUIRED: {exit: ExitCode.InvalidInput, meaning: 'The command, or a --batch row, names no permission.'},
  PERMISSION_NOT_HELD: {
    exit: ExitCode.PermissionDenied,
    meaning: 'permissions:check: the user does not hold the permission.',
  },
  AUDIT_ANCHOR_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--anchor is not a position and hash (SEQ:HASH).',
    hint: 'Pass the "head" printed by an earlier permissions:audit --verify.',
  },
  AUDIT_CHAIN_BROKEN: {
    exit: ExitCode.Unexpected,
    meaning: "The audit log's hash chain is broken: a record was changed, removed or inserted.",
    hint: 'What follows the break cannot be trusted; compare with a backup of the database.',
  },
});
