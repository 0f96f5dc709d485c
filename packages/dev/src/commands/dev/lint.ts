import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import type {LintProblem} from '../../services/lint.js';
import {DEV} from '../../token.js';

export default class DevLint extends SystemPromptCommand<typeof DevLint> {
  static override summary =
    "Lint a package's src/ and test/ with the project's eslint config; --fix applies the fixes.";
  static override description =
    "PATH (default: the current directory) is in the package: the nearest directory at or above it with module.yaml or package.json. Uses the package's own eslint.config.* when it (or a directory above it) has one, else the project's config shipped with this module (type-aware rules through the package's tsconfig.json). Lists every problem; exits 1 when any is an error. Needs dev:run.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ./acme-notes --fix',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override args = {path: Args.string({description: 'The package (a directory in it).'})};
  static override flags = {fix: Flags.boolean({description: "Write eslint's fixes, then report what is left."})};
  static override columns = ['file', 'line', 'column', 'severity', 'rule', 'message'];

  async run(): Promise<LintProblem[]> {
    const dev = await this.service(DEV);
    const actor = await this.actor();
    const report = await dev.lint(actor, this.args.path ?? process.cwd(), {fix: this.flags.fix});
    Object.assign(this.meta, {
      root: report.root,
      config: report.config,
      files: report.files,
      errors: report.errors,
      warnings: report.warnings,
      fixed: report.fixed,
    });
    if (report.fixed.length > 0) this.notices.push(`Fixed ${report.fixed.join(', ')}.`);
    this.notices.push(
      report.problems.length === 0
        ? `No problems in ${report.files} files (${report.config} config).`
        : `${report.errors} errors and ${report.warnings} warnings in ${report.files} files (${report.config} config).`,
    );
    if (report.errors > 0) this.exitAfterOutput(1);
    return report.problems;
  }
}
