import {Args, Flags, invalidInput} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {PackageReport} from '../../services/validate-package.js';
import {SANDBOX_PHASE_TIMEOUT_MS} from '../../services/validate-sandbox.js';

export default class ExtensionValidate extends ModulesCommand<typeof ExtensionValidate> {
  static override summary =
    'Check a module package: structure, manifest, names, permissions, command topics, and its code run against a scratch database.';
  static override description = [
    'NAME is an installed module (looked up only for a caller who holds modules:read); PATH a package directory (default: the current directory).',
    'The module name, its permissions (named <module>:<action>) and its command topics must not be taken by another installed package.',
    'In a child process over a scratch SYSTEMPROMPT_HOME (an embedded SQLite file, removed afterwards) with the installed modules it depends on: every migration is applied and reverted, then initialize(), healthCheck() and stop() run; each step has --timeout seconds.',
    'Every problem is listed with where it is; exit 2 when there is any.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ./acme-notes',
    '<%= config.bin %> <%= command.id %> acme-notes --json',
  ];
  static override args = {target: Args.string({description: 'Installed module name, or package directory.'})};
  static override flags = {
    timeout: Flags.integer({
      description:
        'Seconds each step of the sandboxed run may take (an import, a migration, initialize(), healthCheck()).',
      default: SANDBOX_PHASE_TIMEOUT_MS / 1000,
      min: 1,
    }),
  };

  async run(): Promise<PackageReport> {
    const report = await (
      await this.modulesService()
    ).validate(await this.actor(), this.host(), this.args.target ?? '.', {timeoutMs: this.flags.timeout * 1000});
    if (!report.valid) {
      throw invalidInput(
        `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.name ?? report.root}:\n${report.problems.map((item) => `${item.path}: ${item.problem}`).join('\n')}`,
        {code: 'EXTENSION_INVALID', details: {report}},
      );
    }
    this.notices.push(
      `${report.name} is a valid module package (${report.commands.length} commands, ${report.migrations.length} migrations).`,
    );
    return report;
  }
}
