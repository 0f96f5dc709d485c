import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The system module's error codes (the server, its state file, heartbeats and events). */
export default defineErrorCodes({
  SERVER_RUNNING: {
    exit: ExitCode.Conflict,
    meaning: 'A server of this installation already runs (its state file names a live process).',
    hint: 'Stop it with system:stop, or see it with system:status.',
  },
  SERVER_NOT_RUNNING: {
    exit: ExitCode.NotFound,
    meaning: 'No server of this installation is running.',
    hint: 'Start one with system:start.',
  },
  SERVER_UNREACHABLE: {exit: ExitCode.Unavailable, meaning: 'The running server does not answer.'},
  SERVER_START_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'The server started with --detach exited during start-up.',
    hint: 'Its last output lines are in the message; all of it is in <data>/logs/server.out.',
  },
  SERVER_START_TIMEOUT: {
    exit: ExitCode.Unavailable,
    meaning: 'The server did not become ready (or come back from a restart) in time.',
  },
  SERVER_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'heartbeat:reset --server names no (or several) servers.'},
  EVENTS_UNAVAILABLE: {exit: ExitCode.Unavailable, meaning: 'No event store: the database module is not booted.'},
  CREDENTIAL_INVALID: {
    exit: ExitCode.PermissionDenied,
    meaning: 'HTTP: the bearer API key, token or server token is not valid (answered 401).',
  },
});
