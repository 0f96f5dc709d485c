import {Flags, SystemPromptCommand, textResult, type TextResult} from '@systemprompt/core';
import {describeCommands} from '../../services/command-catalog.js';
import {renderMarkdownReference} from '../../services/markdown-reference.js';

export default class CliDocs extends SystemPromptCommand<typeof CliDocs> {
  static override summary = 'Generate the command reference from the commands themselves.';
  static override description = 'Writes a Markdown reference of every command (one section per topic, with every argument, flag and example) to standard output or --output. With --json or --format yaml the same reference comes as data.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output docs/commands.md',
    '<%= config.bin %> <%= command.id %> --topic users',
    '<%= config.bin %> <%= command.id %> --json > commands.json',
  ];
  static override flags = {
    topic: Flags.string({description: 'Only the commands of this topic.'}),
  };

  async run(): Promise<TextResult> {
    const topic = this.flags.topic;
    const commands = describeCommands(this.config).filter((command) => !topic || command.topic === topic || command.id.startsWith(`${topic}:`));
    return textResult(renderMarkdownReference(commands, this.config.bin), {bin: this.config.bin, version: this.config.version, commands});
  }
}
