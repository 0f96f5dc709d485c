import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The scheduler module's error codes. */
export default defineErrorCodes({
  SCHEDULE_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No schedule has that name.', hint: 'See scheduler:list.'},
  SCHEDULE_EXISTS: {
    exit: ExitCode.Conflict,
    meaning: 'A schedule of that name already exists.',
    hint: 'Change it with scheduler:update, or choose another name.',
  },
  SCHEDULE_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A schedule name is 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit.',
  },
  SCHEDULE_DESCRIPTION_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "The schedule's description is too long (500 characters) or has control characters.",
  },
  SCHEDULE_TIMING_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A schedule has exactly one of a cron pattern (--cron) and a one-off time (--at).',
  },
  SCHEDULE_CRON_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The cron pattern cannot be read, or it never fires.',
    hint: 'Five fields (minute hour day month weekday), six with seconds first, or a nickname such as @hourly; e.g. --cron "*/5 * * * *".',
  },
  SCHEDULE_ZONE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The time zone is not an IANA zone name.',
    hint: 'e.g. --tz Europe/Berlin, --tz America/New_York or --tz UTC.',
  },
  SCHEDULE_AT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The one-off time is not an ISO 8601 time, or it is not in the future.',
    hint: 'e.g. --at 2030-01-31T09:00:00Z, or without an offset in the --tz zone: --at 2030-01-31T09:00 --tz Europe/Berlin.',
  },
  SCHEDULE_MISSED_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The missed-tick policy is not skip or run-once.',
  },
  SCHEDULE_TARGET_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'A schedule has exactly one target, a workflow (--workflow, with --input as a JSON value) or a command line (--command).',
  },
  SCHEDULE_TARGET_UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'Nothing runs targets of this kind: the workflows module is not installed or not booted.',
    hint: 'Install and enable the workflows module (modules:list), or give the schedule a --command.',
  },
  SCHEDULE_TARGET_TAKEN: {
    exit: ExitCode.Conflict,
    meaning: 'Another module already registered the runner of this kind of target in this process.',
  },
  SCHEDULE_CHANGED: {
    exit: ExitCode.Conflict,
    meaning: 'The schedule changed (or was deleted) while this ran.',
    hint: 'Look at it again with scheduler:list and retry.',
  },
  SCHEDULER_CLI_MISSING: {
    exit: ExitCode.Unavailable,
    meaning: 'The CLI that command targets run with cannot be found.',
    hint: 'Set scheduler.cli (SYSTEMPROMPT_SCHEDULER_CLI) to the bin/run.js of the systemprompt CLI.',
  },
  SCHEDULE_OWNER_UNUSABLE: {
    exit: ExitCode.PermissionDenied,
    meaning: "The schedule's owner cannot act any more (a user who holds no permission, or too many to put on a key).",
    hint: 'Give the schedule a new owner: scheduler:update NAME with its target, as someone who may run it.',
  },
});
