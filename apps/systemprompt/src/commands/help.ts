import {commands} from '@oclif/plugin-help';

/** oclif's help command, with the examples every systemprompt command carries. */
export default class Help extends commands.help {
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> users:list',
    '<%= config.bin %> <%= command.id %> mcp',
  ];
}
