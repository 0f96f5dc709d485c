import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The database module's error codes (connections, migrations and database:query). */
export default defineErrorCodes({
  DATABASE_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The database URL is not a mysql:// URL naming a database.',
    hint: 'Use mysql://user:password@host:3306/name, or no URL for the embedded SQLite.',
  },
  RETENTION_POLICY_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'data:clean --only names a retention policy no installed module has.',
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
  // data:export, data:import, data:migrate
  DATA_TABLE_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No such table, or no tables of that module.'},
  DATA_EXPORT_CSV_ONE_TABLE: {
    exit: ExitCode.InvalidInput,
    meaning: 'A CSV export holds exactly one table.',
    hint: 'Name the table with --table, or use --format ndjson.',
  },
  DATA_IMPORT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The import file cannot be read, or is not a file data:export wrote (header, version, layout).',
  },
  DATA_IMPORT_UNKNOWN_TABLE: {
    exit: ExitCode.InvalidInput,
    meaning: 'The import file names a table or column this database does not have; nothing was written.',
    hint: 'Migrate this database to the modules of the export first (database:migrate).',
  },
  DATA_MIGRATE_SAME_DATABASE: {
    exit: ExitCode.InvalidInput,
    meaning: "data:migrate --to names this installation's own database.",
  },
  DATA_MIGRATE_TARGET_NOT_EMPTY: {
    exit: ExitCode.Conflict,
    meaning: 'The target database of data:migrate already holds data.',
    hint: 'Name an empty database, or add --force (and --confirm) to replace what it holds.',
  },
  DATA_MIGRATE_SCHEMA_MISMATCH: {
    exit: ExitCode.InvalidInput,
    meaning: 'After its migrations the target lacks tables the source has (tables of no installed module).',
  },
  DATA_MIGRATE_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'The target refused rows during data:migrate; its transaction was rolled back.',
  },
  DATA_MIGRATE_VERIFY_FAILED: {
    exit: ExitCode.Unexpected,
    meaning: 'After data:migrate the row counts or checksums of the target differ from the source.',
    hint: 'Keep using the current database; report the tables named.',
  },
  // data:backup, data:restore, data:validate (and system:backup|restore, which use them)
  BACKUP_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'The backup file cannot be read.'},
  BACKUP_CORRUPT: {
    exit: ExitCode.InvalidInput,
    meaning:
      'The backup archive is damaged or not a backup (a checksum, the manifest or the encryption tag does not match, or it is cut short); nothing was changed.',
    hint: 'Use another copy of the backup.',
  },
  BACKUP_PASSPHRASE_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning:
      'The backup is encrypted and no passphrase was given, or the passphrase given cannot be read or is too short.',
    hint: 'Give it with --passphrase-file FILE or --passphrase-env VARIABLE.',
  },
  BACKUP_PASSPHRASE_WRONG: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The passphrase does not open the encrypted backup; nothing was read.',
  },
  BACKUP_TOO_NEW: {
    exit: ExitCode.InvalidInput,
    meaning:
      'The backup was made by newer module versions (or has migrations) than those installed; nothing was changed.',
    hint: 'Update SystemPrompt OS, then restore.',
  },
  BACKUP_INCOMPATIBLE: {
    exit: ExitCode.InvalidInput,
    meaning: 'The backup is of another database engine than the one this installation runs on.',
    hint: 'Restore it on the same engine, then use data:migrate --to URL.',
  },
  BACKUP_SERVER_RUNNING: {
    exit: ExitCode.Conflict,
    meaning: 'The server of this installation runs; a restore would replace the database under it.',
    hint: 'Stop it with system:stop, restore, then start it again.',
  },
  BACKUP_RESTORE_BUSY: {
    exit: ExitCode.Unavailable,
    meaning: 'Another process holds the SQLite database open with changes not yet checkpointed; nothing was changed.',
    hint: 'Stop the other commands of this installation and restore again.',
  },
  BACKUP_RESTORE_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'The restored copy did not match the backup before it was swapped in; the live data was not changed.',
  },
});
