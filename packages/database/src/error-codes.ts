import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The database module's error codes (connections, migrations and database:query). */
export default defineErrorCodes({
  DATABASE_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The database URL is not a mysql:// URL naming a database.',
    hint: 'Use mysql://user:password@host:3306/name, or no URL for the embedded SQLite.',
  },
  DATABASE_UNAVAILABLE: {exit: ExitCode.Unavailable, meaning: 'The database cannot be opened or reached.'},
  DATABASE_BUSY: {
    exit: ExitCode.Unavailable,
    meaning:
      'The database is busy: a lock was held too long, or a deadlock rolled this transaction back; nothing was changed.',
    hint: 'Try again.',
  },
  MIGRATION_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'A migration file does not export a valid migration (name YYYYMMDDHHMMSS-what, steps with up() and down()).',
  },
  MIGRATION_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'A migration failed; its steps that ran were undone where they could be.',
  },
  MIGRATION_LOCKED: {
    exit: ExitCode.Conflict,
    meaning: 'Another process is migrating this database.',
    hint: 'Try again when it has finished.',
  },
  MIGRATION_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'A migration to roll back belongs to a module that is not installed.',
  },
  ROLLBACK_DESTROYS_RECORDS: {
    exit: ExitCode.InvalidInput,
    meaning: 'Rolling back would drop tables that hold records.',
    hint: 'Name the module with --module to mean it.',
  },
  QUERY_FAILED: {
    exit: ExitCode.InvalidInput,
    meaning: 'The database refused the query (syntax, an unknown table or column, a constraint).',
  },
  QUERY_MULTIPLE_STATEMENTS: {exit: ExitCode.InvalidInput, meaning: 'database:query runs exactly one statement.'},
  QUERY_READ_ONLY: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The query tried to change data without --write.',
    hint: 'Add --write (and --confirm) to change data.',
  },
  QUERY_NOT_ALLOWED: {
    exit: ExitCode.PermissionDenied,
    meaning: "The query reaches past this installation's own database.",
    hint: 'Use database:schema for its tables and columns.',
  },
  QUERY_TIMEOUT: {
    exit: ExitCode.Unavailable,
    meaning: 'The query did not finish within --timeout and was stopped.',
    hint: 'Raise --timeout, or narrow the query.',
  },
  EVENT_TOO_LARGE: {
    exit: ExitCode.InvalidInput,
    meaning: 'An event payload is larger than the 64 KiB of JSON the event store keeps; nothing was written.',
    hint: 'Put the large data in a table of the module and the id of its row in the event.',
  },
});
