import {Args, Flags, confirmFlag} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {RemoveResult} from '../../services/install.js';

export default class ExtensionRemove extends ModulesCommand<typeof ExtensionRemove> {
  static override summary = 'Remove an installed module package (dangerous: asks for confirmation).';
  static override description =
    'Uninstalls a user-installed or linked module. With --drop-data its migrations are rolled back first, dropping its tables and their data, and its configuration values and their history are deleted; the result counts what was removed. Needs modules:write; the removal is audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme-notes --confirm',
    '<%= config.bin %> <%= command.id %> acme-notes --confirm --drop-data',
  ];
  static override args = {module: Args.string({required: true, description: 'Module or package name.'})};
  static override flags = {
    ...confirmFlag,
    'drop-data': Flags.boolean({
      description:
        'Roll back its migrations (drop its tables and data) and delete its configuration values and history.',
    }),
  };

  async run(): Promise<RemoveResult> {
    return (await this.modulesService()).remove(await this.actor(), this.host(), this.args.module, {
      dropData: this.flags['drop-data'],
      confirm: (question) => this.confirmAction(question),
    });
  }
}
