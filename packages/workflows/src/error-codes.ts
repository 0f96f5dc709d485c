import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/**
 * The workflows module's error codes. Those of commands (definitions, runs) reach the command line;
 * the STEP_* ones and SUBWORKFLOW_* end a step and are stored as its error (and the run's) as
 * `CODE: message`, their exit code deciding whether the step's retry may try again (not after 2, 3 or 4).
 */
export default defineErrorCodes({
  WORKFLOW_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No workflow has that name.', hint: 'See workflows:list.'},
  WORKFLOW_EXISTS: {
    exit: ExitCode.Conflict,
    meaning: 'A workflow of that name already exists.',
    hint: 'Add --replace to store the file as its next version.',
  },
  WORKFLOW_CHANGED: {
    exit: ExitCode.Conflict,
    meaning: 'The workflow was changed or deleted by someone else at the same time.',
    hint: 'Look at it again (workflows:show) and repeat the change.',
  },
  WORKFLOW_SOURCE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The definition is not readable YAML or JSON (or is empty, or too large).',
  },
  WORKFLOW_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'The definition does not match the workflow schema, repeats a step id, or holds an expression or inputs schema that does not compile.',
    hint: 'Each problem names its place in the definition, e.g. steps[1].retry.attempts.',
  },
  WORKFLOW_INPUT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "The run's input is not a JSON object, or does not match the workflow's inputs schema.",
    hint: 'See the inputs schema with workflows:show.',
  },
  RUN_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No workflow run has that id.', hint: 'See workflows:history.'},
  RUN_STATE: {
    exit: ExitCode.Conflict,
    meaning:
      'The run is in a state that does not allow this (only an unfinished run can be cancelled; only a failed or cancelled one retried).',
  },
  STEP_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: "The run's workflow has no step of that id (or path).",
    hint: 'See the steps with workflows:status RUN.',
  },
  STEP_TIMEOUT: {exit: ExitCode.Unavailable, meaning: 'A step attempt ran longer than its timeout.'},
  STEP_HTTP_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: "An http step's request failed before an answer came (connection refused, DNS, reset).",
  },
  STEP_HTTP_STATUS: {
    exit: ExitCode.Unavailable,
    meaning: "An http step's answer had a status outside 2xx that allowStatus does not allow.",
  },
  STEP_URL_INVALID: {exit: ExitCode.InvalidInput, meaning: "An http step's URL is not an http:// or https:// URL."},
  STEP_TOOL_FAILED: {exit: ExitCode.Unexpected, meaning: 'A tool step: the tool answered with an error.'},
  STEP_TOOL_DENIED: {
    exit: ExitCode.PermissionDenied,
    meaning: "A tool step: the run's user may not use the tool (the denial is in the audit log).",
  },
  STEP_TOOL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A tool step: the arguments do not match the tool's input schema.",
  },
  STEP_TOOL_LIMITED: {exit: ExitCode.Unavailable, meaning: "A tool step: the run's user reached their rate limit."},
  STEP_EXPRESSION: {exit: ExitCode.InvalidInput, meaning: 'An expression failed when it was evaluated.'},
  STEP_OUTPUT_TOO_LARGE: {
    exit: ExitCode.InvalidInput,
    meaning: "A step's output is larger than workflows.maxOutputBytes.",
  },
  STEP_ITEMS_INVALID: {exit: ExitCode.InvalidInput, meaning: "A foreach step's items are not a list (or too many)."},
  STEP_DELAY_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A delay step's duration or until is not a duration or a time.",
  },
  STEP_AGENT_FAILED: {
    exit: ExitCode.Unexpected,
    meaning: "An agent step: the agent's task failed, reached a limit or was cancelled.",
    hint: 'See the task with agents:logs TASK.',
  },
  SUBWORKFLOW_FAILED: {exit: ExitCode.Unexpected, meaning: 'A workflow step: the sub-run failed or was cancelled.'},
  SUBWORKFLOW_TOO_DEEP: {
    exit: ExitCode.InvalidInput,
    meaning: 'Sub-workflows nest deeper than workflows.maxDepth (a workflow that calls itself?).',
  },
});
