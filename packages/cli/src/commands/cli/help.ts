import {Args, SystemPromptCommand, notFound, textResult, type TextResult} from '@systemprompt/core';
import {describeCommands} from '../../services/command-catalog.js';
import {helpData, requestedCommand} from '../../services/command-help.js';
import {helpText} from '../../services/help-text.js';

export default class CliHelp extends SystemPromptCommand<typeof CliHelp> {
  static override summary = 'Show help for one command, or the overview.';
  static override description =
    "Prints the same help as --help. With --json, the command's description, arguments, flags and examples as data.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> users:list',
    '<%= config.bin %> <%= command.id %> cli:list --json',
  ];
  static override args = {command: Args.string({description: 'Command id, e.g. users:list (topic:action).'})};
  static override strict = false;

  async run(): Promise<TextResult> {
    const requested = requestedCommand(this.args.command, this.argv);
    const command = requested ? this.config.findCommand(requested) : undefined;
    if (requested && !command && !this.config.findTopic(requested)) {
      throw notFound(`Unknown command: ${requested}`, {
        code: 'COMMAND_NOT_FOUND',
        hint: `Run "${this.config.bin} cli:list --search ${requested.split(':').pop()}" to find it.`,
      });
    }
    const data = helpData(describeCommands(this.config), requested, command?.id);
    // The exact text --help prints, collected instead of written.
    return textResult(await helpText(this.config, requested, {stripAnsi: !process.stdout.isTTY}), data);
  }
}
