import {Args} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {InstallResult} from '../../services/install.js';

export default class ExtensionInstall extends ModulesCommand<typeof ExtensionInstall> {
  static override summary = 'Install a module package (npm name, file:// tarball or directory), validate it and migrate it.';
  static override description = 'Installs through the plugins system (plugins:install), with @systemprompt/* linked to this installation so the module runs on its copy of core; then validates the package and applies its migrations. If either fails, the package is removed again and nothing stays. Needs modules:write; the install is audited.';
  static override examples = ['<%= config.bin %> <%= command.id %> @acme/systemprompt-notes', '<%= config.bin %> <%= command.id %> ./acme-systemprompt-notes-1.0.0.tgz', '<%= config.bin %> <%= command.id %> file:///tmp/acme-systemprompt-notes-1.0.0.tgz'];
  static override args = {source: Args.string({required: true, description: 'npm package name, file:///path/to.tgz, or a directory.'})};

  async run(): Promise<InstallResult> {
    return (await this.modulesService()).install(await this.actor(), this.host(), this.args.source);
  }
}
