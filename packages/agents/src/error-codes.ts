import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The agents module's error codes. */
export default defineErrorCodes({
  AGENT_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No agent has that name.', hint: 'See agents:list.'},
  AGENT_EXISTS: {exit: ExitCode.Conflict, meaning: 'An agent of that name already exists.'},
  AGENT_CHANGED: {
    exit: ExitCode.Conflict,
    meaning: 'The agent was changed or deleted by someone else at the same time.',
    hint: 'Look at it again (agents:config NAME) and repeat the change.',
  },
  AGENT_BUSY: {
    exit: ExitCode.Conflict,
    meaning: 'The agent still has tasks waiting or running, so it cannot be deleted.',
    hint: 'Stop it and let its tasks end, or delete with --force to fail them.',
  },
  AGENT_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Agent names are lower-case letters, digits, _ and - (at most 40), starting with a letter.',
  },
  AGENT_SETTING_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "An agent's instructions, tools, limits or prices are not valid; the message names the flag.",
  },
  AGENT_MODEL_UNKNOWN: {
    exit: ExitCode.NotFound,
    meaning: 'The model is not in the registry (config:model), or no default model is set.',
    hint: 'Add it with config:model:add PROVIDER MODEL, or give --model PROVIDER/MODEL.',
  },
  AGENT_STOPPED: {
    exit: ExitCode.Conflict,
    meaning: 'The agent is stopped: it takes no task now (an MCP client delegating to it is refused).',
    hint: 'Start it with agents:start NAME.',
  },
  TASK_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No task has that id.', hint: 'See agents:status AGENT.'},
  TASK_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A task's text is empty or too long, or its --input is not a JSON object.",
  },
  TASK_STATE: {
    exit: ExitCode.Conflict,
    meaning: 'The task is in a state that does not allow this (only an unfinished task can be cancelled).',
  },
  MODEL_CALL_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: "A model call failed after its retries (the provider's answer or the network); the task failed.",
    hint: 'See the step in agents:logs TASK; check the provider with config:provider:test.',
  },
});
