import {Args} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {UpdateRow} from '../../services/modules-service.js';

export default class ExtensionUpdate extends ModulesCommand<typeof ExtensionUpdate> {
  static override summary = 'Update modules installed from a registry to the newest version their range allows.';
  static override description =
    'For module packages installed by npm name (extension:install NAME[@RANGE]): asks the registry for the newest version within the range they were installed with and upgrades to it with the same guarantees as extension:install (validated, new migrations applied, the previous version put back if anything fails). Without MODULE, every such module. Needs modules:write; each upgrade is audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> acme-notes --json',
  ];
  static override args = {
    module: Args.string({description: 'Module or package name (default: every module installed from a registry).'}),
  };
  static override columns = ['module', 'package', 'from', 'to', 'updated', 'migrationsApplied'];

  async run(): Promise<UpdateRow[]> {
    return (await this.modulesService()).update(await this.actor(), this.host(), this.args.module);
  }
}
