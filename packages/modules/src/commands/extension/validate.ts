import {Args, invalidInput} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {PackageReport} from '../../services/validate-package.js';

export default class ExtensionValidate extends ModulesCommand<typeof ExtensionValidate> {
  static override summary = 'Check a module package: structure, manifest, module contract, migrations, command names, permissions.';
  static override description = 'NAME is an installed module (looked up only for a caller who holds modules:read); PATH a package directory (default: the current directory). Every problem is listed with where it is; exit 2 when there is any.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> ./acme-notes', '<%= config.bin %> <%= command.id %> acme-notes --json'];
  static override args = {target: Args.string({description: 'Installed module name, or package directory.'})};

  async run(): Promise<PackageReport> {
    const report = await (await this.modulesService()).validate(await this.actor(), this.host(), this.args.target ?? '.');
    if (!report.valid) {
      throw invalidInput(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.name ?? report.root}:\n${report.problems.map((item) => `${item.path}: ${item.problem}`).join('\n')}`, {code: 'EXTENSION_INVALID', details: {report}});
    }
    this.notices.push(`${report.name} is a valid module package (${report.commands.length} commands, ${report.migrations.length} migrations).`);
    return report;
  }
}
