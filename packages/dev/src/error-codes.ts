import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The dev module's error codes. */
export default defineErrorCodes({
  DEV_NOT_A_MODULE_PACKAGE: {
    exit: ExitCode.InvalidInput,
    meaning:
      'The path is not in a module package: neither it nor a directory above it has module.yaml (package.json for dev:lint and dev:format).',
    hint: 'Run the command in the package, or name its directory (./acme-notes); dev:test also takes an installed module by name.',
  },
  DEV_DATABASE_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'dev:test --database-url is not a mysql:// or mariadb:// URL.',
    hint: 'For example --database-url mysql://root@127.0.0.1:3306/test.',
  },
  DEV_CLI_NOT_FOUND: {
    exit: ExitCode.Unavailable,
    meaning: "The CLI's own bin (the script dev:debug and dev:profile run the command with) cannot be found.",
    hint: 'Run dev:debug and dev:profile through the installed systemprompt command.',
  },
  DEV_INSPECTOR_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'The command ended without opening the inspector (Node printed no ws:// address).',
  },
  DEV_PROFILE_MISSING: {
    exit: ExitCode.Unavailable,
    meaning: 'The command ended without writing a CPU profile (it was killed, or is not a Node process).',
  },
  DEV_TOOL_MISSING: {
    exit: ExitCode.Unavailable,
    meaning: 'A tool the command runs (mocha, tsc, npm) cannot be found in the package or shipped with the dev module.',
    hint: "Install the package's dependencies (npm install), or reinstall @systemprompt/dev.",
  },
  DEV_LINK_FAILED: {
    exit: ExitCode.InvalidInput,
    meaning: 'dev:watch could not link the package into the CLI (plugins:link refused it).',
    hint: 'Check it with extension:validate; it must be a built oclif plugin with module.yaml.',
  },
  DEV_LINK_UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'This CLI has no plugins:link command (@oclif/plugin-plugins), so dev:watch cannot link the package.',
  },
});
