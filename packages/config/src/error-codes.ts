import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The config module's error codes (settings, the env file, import and export, model providers). */
export default defineErrorCodes({
  CONFIG_KEY_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a configuration key (module.key, e.g. logger.level).',
  },
  CONFIG_KEY_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: "The module's configuration has no such key.",
    hint: 'See config:list for the keys.',
  },
  CONFIG_MODULE_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'No installed module with configuration has that name.',
  },
  CONFIG_VALUE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "The value is not of the setting's type or outside its range.",
  },
  CONFIG_KEY_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'A config:set --batch row has no key.',
    hint: 'Each row needs key and value.',
  },
  CONFIG_VALUE_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'A config:set --batch row has no value.',
    hint: 'Each row needs key and value.',
  },
  CONFIG_HOST_ONLY: {
    exit: ExitCode.InvalidInput,
    meaning:
      "A host-only setting comes only from this host's config.yaml, environment or env file, never from runtime settings.",
  },
  CONFIG_VERSION_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'There is no configuration version with that number.',
    hint: 'See config:history.',
  },
  CONFIG_FILE_UNREADABLE: {exit: ExitCode.InvalidInput, meaning: 'The file given to config:import cannot be read.'},
  VALIDATION_FAILED: {
    exit: ExitCode.InvalidInput,
    meaning: 'config:validate:all found problems; each is in the message and in details.',
  },
  ENV_NAME_INVALID: {exit: ExitCode.InvalidInput, meaning: 'Not a SYSTEMPROMPT_* variable name.'},
  ENV_NAME_UNKNOWN: {exit: ExitCode.InvalidInput, meaning: 'The variable is not a setting of any installed module.'},
  ENV_VALUE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "The value is not one line, or not valid for the variable's setting.",
  },
  ENV_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'The variable is not in the env file.'},
  PROVIDER_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No model provider has that name.',
    hint: 'See the providers with config:provider.',
  },
  PROVIDER_EXISTS: {exit: ExitCode.Conflict, meaning: 'A model provider with that name already exists.'},
  PROVIDER_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a provider name (lower-case letters, digits and dashes, up to 64).',
  },
  PROVIDER_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--base-url is not an http(s) URL without credentials, query or fragment.',
  },
  PROVIDER_KEY_OPTIONS: {
    exit: ExitCode.InvalidInput,
    meaning: "More than one of --api-key-env, --api-key-stdin and --no-api-key: a provider's key comes from one place.",
  },
  PROVIDER_KEY_ENV_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--api-key-env takes the name of an environment variable, not a key.',
  },
  PROVIDER_KEY_STDIN_TTY: {
    exit: ExitCode.InvalidInput,
    meaning: '--api-key-stdin reads the key from a pipe, not a terminal.',
  },
  PROVIDER_KEY_EMPTY: {exit: ExitCode.InvalidInput, meaning: '--api-key-stdin: standard input was empty.'},
  PROVIDER_KEY_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--api-key-stdin: the key is not one line without spaces.',
  },
  PROVIDER_KEY_ENV_UNSET: {
    exit: ExitCode.Unavailable,
    meaning: "The environment variable the provider's key comes from is not set.",
  },
  PROVIDER_KEY_UNREADABLE: {
    exit: ExitCode.Unavailable,
    meaning: "The provider's stored API key cannot be decrypted with this host's secret key.",
  },
  PROVIDER_URL_NOT_APPROVED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The stored API key was approved for another base URL, so it is not sent to this one.',
  },
  PROVIDER_TIMEOUT: {
    exit: ExitCode.Unavailable,
    meaning: 'The model provider did not answer in time.',
    hint: 'Check that the server is running, or raise --timeout.',
  },
  PROVIDER_UNREACHABLE: {exit: ExitCode.Unavailable, meaning: 'The model provider cannot be reached at its base URL.'},
  PROVIDER_AUTH_FAILED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The model provider refused the request: the API key is missing or not accepted.',
  },
  PROVIDER_HTTP_ERROR: {
    exit: ExitCode.Unavailable,
    meaning: 'The model provider answered with an HTTP error or a redirect.',
  },
  PROVIDER_BAD_RESPONSE: {
    exit: ExitCode.Unavailable,
    meaning: 'The model provider did not answer with a JSON model list.',
    hint: 'Check that --base-url is the API root (for OpenAI-compatible servers it usually ends in /v1).',
  },
  MODEL_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'The provider has no model of that name.'},
  MODEL_EXISTS: {exit: ExitCode.Conflict, meaning: 'The provider already has a model of that name.'},
  MODEL_NAME_INVALID: {exit: ExitCode.InvalidInput, meaning: 'Not a model name (1 to 200 characters, no spaces).'},
});
