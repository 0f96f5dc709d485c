import {commands} from '@oclif/plugin-plugins';
import type {ConcreteCommand} from '../../concrete-command.js';

const Install = commands['plugins:install'] as ConcreteCommand;

type Refusal = Error & {skipOclifErrorHandling?: boolean; oclif?: {exit?: number}};

/**
 * oclif's plugins:install, with the examples every systemprompt command carries. A package the app's
 * install guard refuses (a taken module name or topic) was already reported as every systemprompt error
 * is; oclif's own JSON error output would print a second, different envelope, so it is skipped.
 */
export default class PluginsInstall extends Install {
  static override examples = [
    '<%= config.bin %> <%= command.id %> @acme/systemprompt-notes',
    '<%= config.bin %> <%= command.id %> file:///tmp/acme-systemprompt-notes-1.0.0.tgz',
  ];

  override async catch(error: Refusal): Promise<unknown> {
    if (!error.skipOclifErrorHandling) return super.catch(error);
    process.exitCode = error.oclif?.exit ?? 1;
    throw error;
  }
}
