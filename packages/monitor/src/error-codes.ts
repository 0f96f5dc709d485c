import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The monitor module's error codes. */
export default defineErrorCodes({
  MONITOR_SELECTOR_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A selector is not a PromQL instant-vector selector with a metric name (the message gives the position).',
    hint: `For example 'systemprompt_http_request_duration_seconds_count{status=~"5.."}'.`,
  },
  MONITOR_DURATION_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A duration (--window, --for, --since) is not of the form 30s, 5m, 1h, or is out of range.',
  },
  MONITOR_RULE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'An alert rule is incomplete or wrong: its name, function, threshold (--above or --below), severity or description.',
    hint: 'See monitor:alerts:config --help.',
  },
  MONITOR_RULE_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No alert rule has that name.',
    hint: 'See monitor:alerts:config list.',
  },
  MONITOR_RULE_EXISTS: {exit: ExitCode.Conflict, meaning: 'An alert rule of that name exists already.'},
  MONITOR_RULE_CHANGED: {
    exit: ExitCode.Conflict,
    meaning: 'The alert rule was changed or removed by someone else at the same time.',
    hint: 'Look at it again (monitor:alerts:config list) and repeat the change.',
  },
  ALERT_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No alert has that id.', hint: 'See monitor:alerts:list.'},
  ALERT_RESOLVED: {
    exit: ExitCode.Conflict,
    meaning: 'The alert is resolved already: there is nothing to acknowledge.',
  },
  MONITOR_SERVER_NOT_RUNNING: {
    exit: ExitCode.Unavailable,
    meaning: 'No server of this installation is running, and what was asked for lives only in the server (traces).',
    hint: 'Start one with system:start.',
  },
  MONITOR_SERVER_UNREACHABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'The running server does not answer, or answered an error.',
  },
  MONITOR_EXPORT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'monitor:export: the --format does not fit --what (prometheus is for metrics, otlp for traces).',
  },
});
