import {Flags, SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {commandRows, describeCommands, type CommandRow} from '../../services/command-catalog.js';
import {COMMAND_LIST_COLUMNS, COMMAND_LIST_SPEC, listCommands} from '../../services/command-list.js';

export default class CliList extends SystemPromptCommand<typeof CliList> {
  static override summary = 'List every command of every installed module.';
  static override description =
    'Lists the commands of all discovered plugins with their topic, summary, aliases and the package that provides them. All of them by default; page with --limit and --page.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --topic users',
    '<%= config.bin %> <%= command.id %> --search backup --json',
  ];
  static override flags = {
    ...listFlags,
    topic: Flags.string({description: 'Only commands of this topic (e.g. users, or mcp:tools).'}),
  };
  static override columns = COMMAND_LIST_COLUMNS;

  async run(): Promise<ListResult<CommandRow>> {
    return listCommands(
      commandRows(describeCommands(this.config)),
      this.flags.topic,
      this.listQuery(COMMAND_LIST_SPEC),
    );
  }
}
