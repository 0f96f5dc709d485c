import {loadHelpClass, type Help} from '@oclif/core/help';
import {Args, SystemPromptCommand, notFound, textResult, type TextResult} from '@systemprompt/core';
import {describeCommands, type CommandInfo} from '../../services/command-catalog.js';

export default class CliHelp extends SystemPromptCommand<typeof CliHelp> {
  static override summary = 'Show help for one command, or the overview.';
  static override description = 'Prints the same help as --help. With --json, the command\'s description, arguments, flags and examples as data.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> users:list', '<%= config.bin %> <%= command.id %> cli:list --json'];
  static override args = {command: Args.string({description: 'Command id, e.g. users:list (topic:action).'})};
  static override strict = false;

  async run(): Promise<TextResult> {
    const requested = [this.args.command, ...this.argv.filter((arg) => !arg.startsWith('-') && arg !== this.args.command)].filter(Boolean).join(':');
    const infos = describeCommands(this.config);
    let data: CommandInfo | CommandInfo[] = infos;
    if (requested) {
      const command = this.config.findCommand(requested);
      if (!command && !this.config.findTopic(requested)) {
        throw notFound(`Unknown command: ${requested}`, {code: 'COMMAND_NOT_FOUND', hint: `Run "${this.config.bin} cli:list --search ${requested.split(':').pop()}" to find it.`});
      }
      data = command ? (infos.find((info) => info.id === command.id || info.aliases.includes(requested)) ?? infos) : infos.filter((info) => info.id.startsWith(`${requested}:`));
    }
    return textResult(await this.helpText(requested), data);
  }

  /** The exact text `--help` prints, collected instead of written. */
  private async helpText(id: string): Promise<string> {
    const HelpClass = (await loadHelpClass(this.config)) as typeof Help;
    const lines: string[] = [];
    const help = new (class extends HelpClass {
      protected override log(...args: string[]): void {
        lines.push(args.join(' '));
      }
    })(this.config, {stripAnsi: !process.stdout.isTTY});
    await help.showHelp(id ? [id] : []);
    return lines.join('\n');
  }
}
