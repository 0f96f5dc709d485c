import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The queue module's error codes. */
export default defineErrorCodes({
  JOB_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No job has that id.', hint: 'See queue:jobs.'},
  JOB_STATE: {
    exit: ExitCode.Conflict,
    meaning:
      'The job is in a state that does not allow this (only dead or cancelled jobs are retried; only ready or running ones cancelled).',
  },
  JOB_PAYLOAD_TOO_LARGE: {exit: ExitCode.InvalidInput, meaning: "A job's payload is larger than the queue stores."},
  JOB_OPTIONS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'An enqueue option is out of range (max attempts, run time, idempotency key).',
  },
  QUEUE_NAME_INVALID: {exit: ExitCode.InvalidInput, meaning: 'A queue name has characters a queue name cannot have.'},
  QUEUE_TAKEN: {
    exit: ExitCode.Conflict,
    meaning: 'Another handler is already registered for that queue in this process.',
  },
});
