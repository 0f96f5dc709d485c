import {ExitCode, defineErrorCodes} from './error-catalogue.js';

/**
 * Core's error codes: the generic ones of the error factories, those of the command base, the
 * kernel and the configuration layers, and the codes several packages share (a package may use
 * these without declaring them again).
 */
export default defineErrorCodes({
  // The factories' defaults, for errors thrown without a code of their own.
  INVALID_INPUT: {exit: ExitCode.InvalidInput, meaning: 'Bad usage or invalid input.'},
  NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'The named thing does not exist.'},
  PERMISSION_DENIED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The actor does not hold the permission the action needs; the refusal is in the audit log.',
    hint: 'See what you hold with auth:whoami; a holder of the permission can grant it (permissions:grant).',
  },
  CONFLICT: {exit: ExitCode.Conflict, meaning: 'It already exists, or something else holds it.'},
  CAPABILITY_UNDECLARED: {
    exit: ExitCode.Unexpected,
    meaning: 'A module publishes a capability (provideCapability) that its module.yaml does not list in provides.',
  },
  ROUTE_TAKEN: {exit: ExitCode.Unexpected, meaning: 'A module adds the same HTTP method and path twice.'},
  ROUTE_PERMISSION_MISSING: {
    exit: ExitCode.Unexpected,
    meaning: "A module's HTTP route names no permission (a permission, 'authenticated' or 'public').",
  },
  MOUNT_PATH_INVALID: {
    exit: ExitCode.Unexpected,
    meaning: 'A module mounts a path outside /<module> and /.well-known/.',
  },
  TOOL_NAME_INVALID: {
    exit: ExitCode.Unexpected,
    meaning: "A module's MCP tool is not named <module>_<action> in [A-Za-z0-9_-], up to 64 characters.",
  },
  TOOL_UNDECLARED: {
    exit: ExitCode.Unexpected,
    meaning: 'A module adds an MCP tool that its module.yaml tools does not list (with the same permission).',
  },
  TOOL_TAKEN: {exit: ExitCode.Unexpected, meaning: 'A module adds the same MCP tool twice.'},
  RETENTION_TAKEN: {exit: ExitCode.Unexpected, meaning: 'A module adds the same retention policy twice.'},
  QUERY_PARAMETER_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'HTTP: a query parameter or body field of a request is missing or invalid (answered 400).',
  },
  COMMAND_LINE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A command line given as one string (--stdio) has an unclosed quote.',
  },
  SINCE_INVALID: {exit: ExitCode.InvalidInput, meaning: '--since is not a duration (30m, 2h, 7d) or an ISO date.'},
  AGE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'data:clean --older-than is not a number of days (30, 30d) or hours (12h) above 0.',
  },
  UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'A dependency such as the database or the server cannot be reached.',
  },
  UNEXPECTED: {
    exit: ExitCode.Unexpected,
    meaning: 'An error SystemPrompt OS did not foresee: a bug, or a failure of something underneath.',
    hint: 'Run the command again with --verbose for the stack trace, and report it.',
  },

  // The command base.
  INVALID_USAGE: {
    exit: ExitCode.InvalidInput,
    meaning: 'The command line does not parse: an unknown flag, a missing argument or a wrong value.',
    hint: "See the command's --help.",
  },
  CANCELLED: {exit: ExitCode.InvalidInput, meaning: 'The question was answered no; nothing was changed.'},
  CONFIRMATION_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'The command changes or removes something and was not confirmed.',
    hint: 'Add --confirm (or -y), or run it on a terminal to be asked.',
  },
  NO_TERMINAL: {
    exit: ExitCode.InvalidInput,
    meaning: '--interactive asks on a terminal, and there is none.',
    hint: 'Pass the values as flags instead.',
  },
  STDIN_IS_TERMINAL: {
    exit: ExitCode.InvalidInput,
    meaning: 'A secret is read from a pipe, never typed on a terminal.',
    hint: 'Pipe it in, e.g. from a password manager.',
  },
  STDIN_EMPTY: {exit: ExitCode.InvalidInput, meaning: 'Nothing came on standard input where a secret was expected.'},
  OUTPUT_IS_DIRECTORY: {exit: ExitCode.InvalidInput, meaning: '--output names a directory; it takes a file.'},
  OUTPUT_DIRECTORY_MISSING: {
    exit: ExitCode.InvalidInput,
    meaning: 'The directory of the --output file does not exist.',
    hint: 'Create it first.',
  },
  NO_MODULE: {exit: ExitCode.InvalidInput, meaning: 'The command belongs to no module, so it has no service to call.'},
  LIST_FIELD_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: '--sort or --filter names a field the list does not have.',
  },
  LIST_FILTER_INVALID: {exit: ExitCode.InvalidInput, meaning: 'A --filter is not FIELD=VALUE.'},
  BATCH_UNREADABLE: {exit: ExitCode.InvalidInput, meaning: 'The --batch file cannot be read.'},
  BATCH_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The --batch file is not rows of objects (JSON array, JSON lines, YAML or CSV).',
  },
  BATCH_WITH_ARGUMENT: {
    exit: ExitCode.InvalidInput,
    meaning: 'Both an argument and --batch were given; a command takes one or the other.',
  },
  NOTHING_TO_UPDATE: {
    exit: ExitCode.InvalidInput,
    meaning: 'An update was asked for without anything to change.',
    hint: "See the command's --help for what it can change.",
  },

  // Modules: discovery, the dependency graph and the kernel.
  MODULE_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No installed module has that name.', hint: 'See modules:list.'},
  MODULE_INVALID: {
    exit: ExitCode.Unavailable,
    meaning: 'An installed module package cannot be loaded: its manifest, entry or name is invalid.',
    hint: 'Run extension:validate on its directory for every problem, or remove the package.',
  },
  MODULE_NAME_TAKEN: {
    exit: ExitCode.Unavailable,
    meaning: 'An installed module package claims a module name another package has, so it is not loaded.',
    hint: 'Remove one of the two packages.',
  },
  MODULE_DISABLED: {
    exit: ExitCode.Unavailable,
    meaning: 'The module, or one it depends on, is disabled.',
    hint: 'Enable it with modules:enable.',
  },
  MODULE_NOT_INSTALLED: {exit: ExitCode.Unavailable, meaning: 'A module that was asked for is not installed.'},
  MODULE_DEPENDENCY_MISSING: {
    exit: ExitCode.Unavailable,
    meaning: 'A module depends on a module that is not installed.',
  },
  MODULE_DEPENDENCY_BROKEN: {
    exit: ExitCode.Unavailable,
    meaning: 'A module depends on a module that cannot be loaded.',
  },
  MODULE_DEPENDENCY_CYCLE: {
    exit: ExitCode.Unavailable,
    meaning: 'Modules depend on each other in a cycle.',
    hint: 'Remove one of the dependencies from its module.yaml.',
  },
  MODULE_DEPENDENCY_UNDECLARED: {
    exit: ExitCode.Unexpected,
    meaning: "A module asked for the service of a module it does not list in module.yaml's dependencies.",
    hint: 'Declare the dependency in module.yaml (a bug of that module).',
  },
  MODULE_CONTRACT: {
    exit: ExitCode.Unavailable,
    meaning: "A module's entry does not export the module contract (name, version, type and the lifecycle methods).",
  },
  MODULE_IMPORT_FAILED: {exit: ExitCode.Unavailable, meaning: "A module's entry file could not be imported."},
  MODULE_PHASE_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'A module failed to initialize, start, stop or check its health (an error without a code of its own).',
  },
  MODULE_NOT_BOOTED: {
    exit: ExitCode.Unavailable,
    meaning: "A module's service was asked for before the module was booted.",
  },
  MODULE_NO_SERVICE: {exit: ExitCode.Unavailable, meaning: 'A module was asked for its service and provides none.'},
  ACCESS_UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'The module that provides access control publishes no access service.',
  },
  MANIFEST_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A module.yaml is not valid YAML or does not match the manifest schema.',
    hint: 'Its schema is @systemprompt/core/manifest-schema.json.',
  },
  PERMISSION_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a permission: one is resource:action, resource:*, *:action or *.',
  },
  EVENT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'Not an event type (dot-separated words such as user.created) or pattern (a type, a prefix such as user.*, or *), or an event field too long to store.',
  },

  // Configuration and secrets.
  CONFIG_FILE_UNREADABLE: {
    exit: ExitCode.Unavailable,
    meaning: "This host's config.yaml exists but cannot be read.",
    hint: 'Check that it is a file its owner can read (chmod 600), or remove it.',
  },
  CONFIG_FILE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A configuration file is not YAML (or JSON) mapping module names to their settings.',
  },
  CONFIG_ENV_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A SYSTEMPROMPT_* variable's value is not of the setting's type.",
  },
  CONFIG_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A module's configuration does not match its config schema.",
    hint: 'See config:validate.',
  },
  SECRET_KEY_MISSING: {
    exit: ExitCode.InvalidInput,
    meaning: 'There is no secret key to read stored secrets with, or its file cannot be read.',
    hint: 'Hosts on one database need the same key: set SYSTEMPROMPT_SECRET_KEY or SYSTEMPROMPT_SECRET_KEY_FILE on every host.',
  },
  SECRET_KEY_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The secret key is not 32 bytes in base64.',
    hint: 'Make one with: openssl rand -base64 32',
  },
  SECRET_UNREADABLE: {
    exit: ExitCode.InvalidInput,
    meaning: 'A stored secret cannot be decrypted here: it was encrypted with another secret key.',
  },

  // Error catalogues themselves.
  ERROR_CATALOGUE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A package's error catalogue (systemprompt.errorCodes) is not a valid catalogue.",
  },
});
