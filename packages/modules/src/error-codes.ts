import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The modules module's error codes (modules:*, extension:* and the plugin install checks). */
export default defineErrorCodes({
  MODULE_CORE: {
    exit: ExitCode.InvalidInput,
    meaning: 'The module comes with the CLI: it cannot be disabled, removed or installed over.',
  },
  MODULE_HAS_DEPENDENTS: {
    exit: ExitCode.Conflict,
    meaning: 'Enabled modules depend on the module.',
    hint: 'Disable those first, or pass --cascade to disable them too.',
  },
  MODULE_DEPENDENCY_DISABLED: {
    exit: ExitCode.Conflict,
    meaning: 'The module depends on disabled modules.',
    hint: 'Enable those first.',
  },
  MODULE_UNHEALTHY: {exit: ExitCode.Unavailable, meaning: 'The module restarted but reports itself unhealthy.'},
  MODULES_UNHEALTHY: {exit: ExitCode.Unavailable, meaning: 'At least one module reports itself unhealthy.'},
  MODULE_RESTART_FAILED: {exit: ExitCode.Unavailable, meaning: 'The module did not restart.'},
  MODULE_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a module name (lower-case words joined by dashes, up to 64).',
  },
  MODULE_NAME_TAKEN: {
    exit: ExitCode.Conflict,
    meaning: 'The module name or a namespace of the package belongs to a host module or another package.',
    hint: 'A module package needs a name of its own (module.yaml "name", also its command topic).',
  },
  COMMAND_TOPIC_TAKEN: {
    exit: ExitCode.Conflict,
    meaning: "A command of the package is in another package's topic.",
    hint: "A module's commands are in its own topic.",
  },
  MODULE_LINKED: {
    exit: ExitCode.Conflict,
    meaning: 'The package is linked from a directory, so it is not installed over.',
    hint: 'Unlink it first (plugins:unlink).',
  },
  ALREADY_INSTALLED: {
    exit: ExitCode.Conflict,
    meaning: 'That version of the package is already installed.',
    hint: 'Install a newer version to upgrade, or remove it first with extension:remove.',
  },
  DOWNGRADE_REFUSED: {
    exit: ExitCode.Conflict,
    meaning: 'The package is older than the one installed, or its migrations cannot be rolled back in order.',
    hint: 'Add --force to install an older version anyway.',
  },
  NOT_FROM_REGISTRY: {
    exit: ExitCode.InvalidInput,
    meaning: 'The package was not installed from a registry by name, so it cannot be updated from one.',
    hint: 'Install the newer tarball or directory with extension:install.',
  },
  SOURCE_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'The tarball or directory to install does not exist.',
    hint: 'Give an npm package name, a tarball or a directory.',
  },
  EXTENSION_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The package is not a valid module package.',
    hint: 'extension:validate lists every problem.',
  },
  INIT_FAILED: {exit: ExitCode.Unavailable, meaning: "The module's initialize() failed when the package was checked."},
  INSTALL_FAILED: {exit: ExitCode.Unavailable, meaning: 'npm could not install the package.'},
  INSTALL_UNDO_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'An install failed, and putting the installation back as it was failed too.',
    hint: 'Check with modules:list; remove the package by hand with plugins:uninstall if needed.',
  },
  NPM_FAILED: {exit: ExitCode.Unavailable, meaning: 'An npm command (pack or view) failed.'},
  UPDATE_FAILED: {
    exit: ExitCode.Unavailable,
    meaning:
      'system:update could not update the CLI (npm install, git pull, pnpm install or build) or run its migrations; the backup it took and the commands that go back are in the error.',
  },
  PLUGINS_UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'The plugins commands are not available.',
    hint: 'The CLI needs @oclif/plugin-plugins.',
  },
  SANDBOX_UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'The validation sandbox of extension:validate is missing.',
    hint: 'Build @systemprompt/modules.',
  },
  PACKAGE_NAME_INVALID: {exit: ExitCode.InvalidInput, meaning: 'Not an npm package name.'},
  DIRECTORY_EXISTS: {exit: ExitCode.Conflict, meaning: 'The directory extension:create would write already exists.'},
  LEVEL_INVALID: {exit: ExitCode.InvalidInput, meaning: '--level is not a log level.'},
});
