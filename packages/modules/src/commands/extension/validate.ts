import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {Args, SystemPromptCommand, invalidInput, notFound} from '@systemprompt/core';
import {validatePackage, type PackageReport} from '../../services/validate-package.js';

export default class ExtensionValidate extends SystemPromptCommand<typeof ExtensionValidate> {
  static override summary = 'Check a module package: structure, manifest, module contract, migrations, command names, permissions.';
  static override description = 'NAME is an installed module; PATH a package directory (default: the current directory). Every problem is listed with where it is; exit 2 when there is any.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> ./acme-notes', '<%= config.bin %> <%= command.id %> acme-notes --json'];
  static override args = {target: Args.string({description: 'Installed module name, or package directory.'})};

  async run(): Promise<PackageReport> {
    const target = this.args.target ?? '.';
    const installed = (await this.modules()).find((record) => record.name === target || record.packageName === target);
    const root = installed?.root ?? resolve(target);
    if (!installed && !existsSync(root)) throw notFound(`No installed module or directory "${target}"`, {code: 'MODULE_NOT_FOUND'});
    const report = await validatePackage(root);
    if (!report.valid) {
      throw invalidInput(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.name ?? root}:\n${report.problems.map((item) => `${item.path}: ${item.problem}`).join('\n')}`, {code: 'EXTENSION_INVALID', details: {report}});
    }
    this.notices.push(`${report.name} is a valid module package (${report.commands.length} commands, ${report.migrations.length} migrations).`);
    return report;
  }
}
