import {Args, Flags, SystemPromptCommand, confirmFlag, invalidInput, notFound} from '@systemprompt/core';
import {removeModule} from '../../services/install.js';

export default class ExtensionRemove extends SystemPromptCommand<typeof ExtensionRemove> {
  static override summary = 'Remove an installed module package (dangerous: asks for confirmation).';
  static override description = 'Uninstalls a user-installed or linked module. With --drop-data its migrations are rolled back first, dropping its tables and their data.';
  static override examples = ['<%= config.bin %> <%= command.id %> acme-notes --confirm', '<%= config.bin %> <%= command.id %> acme-notes --confirm --drop-data'];
  static override args = {module: Args.string({required: true, description: 'Module or package name.'})};
  static override flags = {...confirmFlag, 'drop-data': Flags.boolean({description: 'Roll back its migrations: drop its tables and data.'})};

  async run(): Promise<{module: string; package: string; removed: true; migrationsReverted: number}> {
    await this.authorize('modules:write', 'modules.remove', this.args.module);
    const record = (await this.modules()).find((candidate) => candidate.name === this.args.module || candidate.packageName === this.args.module);
    if (!record) throw notFound(`No module named "${this.args.module}"`, {code: 'MODULE_NOT_FOUND', hint: 'See modules:list.'});
    if (record.source === 'core') throw invalidInput(`Module "${record.name}" comes with the CLI and cannot be removed`, {code: 'MODULE_CORE', hint: 'Disable it with modules:disable instead.'});
    await this.confirmAction(`Remove ${record.packageName}${this.flags['drop-data'] ? ' and drop its tables' : ''}?`);
    return removeModule({record, config: this.config, paths: this.paths, newKernel: (modules) => this.newKernel(modules), dropData: this.flags['drop-data']});
  }
}
