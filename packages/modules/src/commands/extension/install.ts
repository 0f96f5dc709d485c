import {Args, Flags} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {InstallResult} from '../../services/install.js';

export default class ExtensionInstall extends ModulesCommand<typeof ExtensionInstall> {
  static override summary =
    'Install or upgrade a module package (npm name, tarball or directory): validated, then migrated.';
  static override description =
    'The package is read before anything changes: a module name or command topic that another package owns is refused (exit 5), as is the version already installed (exit 5). A newer version of an installed package is an upgrade (its new migrations run); an older one is refused (exit 5) unless --force, which first rolls back the migrations the older version does not have. Installs through the plugins system with @systemprompt/* and @oclif/core linked to this installation (the module runs on its copy of core), validates the package and applies its migrations; if anything fails, the previous version (or nothing) is put back and the data is as it was. A directory is packed (npm pack) and its package installed. Needs modules:write; audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> @acme/systemprompt-notes',
    '<%= config.bin %> <%= command.id %> ./acme-systemprompt-notes-1.0.0.tgz',
    '<%= config.bin %> <%= command.id %> file:///tmp/acme-systemprompt-notes-1.0.0.tgz',
  ];
  static override args = {
    source: Args.string({
      required: true,
      description: 'npm package name (name@range), a tarball (path or file:// URL), or a directory.',
    }),
  };
  static override flags = {
    force: Flags.boolean({
      description: 'Install an older version than the installed one (rolls back the migrations it does not have).',
    }),
  };

  async run(): Promise<InstallResult> {
    return (await this.modulesService()).install(await this.actor(), this.host(), this.args.source, {
      force: this.flags.force,
    });
  }
}
