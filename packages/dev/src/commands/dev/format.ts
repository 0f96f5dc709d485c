import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import {DEV} from '../../token.js';

export default class DevFormat extends SystemPromptCommand<typeof DevFormat> {
  static override summary =
    "Format a package's code with the project's prettier options; --check only lists what is not formatted.";
  static override description =
    "PATH (default: the current directory) is in the package: the nearest directory at or above it with module.yaml or package.json. Formats its TypeScript and JavaScript (not dist/, node_modules/, src/generated/ or hidden directories; its .prettierignore is honoured) with the prettier config prettier finds for it, else the project's options shipped with this module. Lists the files it rewrote; with --check it writes nothing and exits 1 when any file is not formatted. Needs dev:run.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ./acme-notes --check',
  ];
  static override args = {path: Args.string({description: 'The package (a directory in it).'})};
  static override flags = {check: Flags.boolean({description: 'Write nothing; exit 1 when a file is not formatted.'})};
  static override columns = ['file'];

  async run(): Promise<Array<{file: string}>> {
    const dev = await this.service(DEV);
    const actor = await this.actor();
    const report = await dev.format(actor, this.args.path ?? process.cwd(), {check: this.flags.check});
    Object.assign(this.meta, {root: report.root, config: report.config, files: report.files, check: report.check});
    const count = report.changed.length;
    this.notices.push(
      report.check
        ? count === 0
          ? `All ${report.files} files are formatted (${report.config} config).`
          : `${count} of ${report.files} files are not formatted (${report.config} config): dev:format writes them.`
        : `Formatted ${count} of ${report.files} files (${report.config} config).`,
    );
    if (report.check && count > 0) this.exitAfterOutput(1);
    return report.changed.map((file) => ({file}));
  }
}
