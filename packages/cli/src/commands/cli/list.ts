import {Flags, SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {commandRows, describeCommands, type CommandRow} from '../../services/command-catalog.js';

const FIELDS = ['id', 'topic', 'summary', 'aliases', 'plugin'] as const;

export default class CliList extends SystemPromptCommand<typeof CliList> {
  static override summary = 'List every command of every installed module.';
  static override description = 'Lists the commands of all discovered plugins with their topic, summary, aliases and the package that provides them. All of them by default; page with --limit and --page.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --topic users',
    '<%= config.bin %> <%= command.id %> --search backup --json',
  ];
  static override flags = {
    ...listFlags,
    topic: Flags.string({description: 'Only commands of this topic (e.g. users, or mcp:tools).'}),
  };
  static override columns = ['id', 'summary', 'aliases'];

  async run(): Promise<ListResult<CommandRow>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'id'});
    const topic = this.flags.topic;
    const rows = commandRows(describeCommands(this.config)).filter((row) => !topic || row.id === topic || row.id.startsWith(`${topic}:`));
    return applyListQuery(rows, query, {searchable: ['id', 'summary', 'aliases']});
  }
}
