import {Flags, SystemPromptCommand, textResult, type TextResult} from '@systemprompt/core';
import {describeCommands} from '../../services/command-catalog.js';
import {installedErrorCodes} from '../../services/installed-error-codes.js';
import {renderMarkdownReference} from '../../services/markdown-reference.js';

export default class CliDocs extends SystemPromptCommand<typeof CliDocs> {
  static override summary = 'Generate the command reference from the commands themselves.';
  static override description =
    'Writes a Markdown reference of every command (one section per topic, with every argument, flag and example) and of every error code the installed packages declare (code, exit code, meaning, hint) to standard output or --output. With --json or --format yaml the same reference comes as data.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output docs/commands.md',
    '<%= config.bin %> <%= command.id %> --topic users',
    '<%= config.bin %> <%= command.id %> --json > commands.json',
  ];
  static override flags = {
    topic: Flags.string({
      description: 'Only the commands of this topic, and the error codes of their packages and core.',
    }),
  };

  async run(): Promise<TextResult> {
    const topic = this.flags.topic;
    const commands = describeCommands(this.config).filter(
      (command) => !topic || command.topic === topic || command.id.startsWith(`${topic}:`),
    );
    // Each package's catalogue is the compiled file its package.json names in systemprompt.errorCodes.
    const {rows: errorCodes, warnings} = await installedErrorCodes(
      this.config,
      topic ? new Set(commands.map((command) => command.plugin)) : undefined,
    );
    this.warnings.push(...warnings);
    return textResult(renderMarkdownReference(commands, this.config.bin, errorCodes), {
      bin: this.config.bin,
      version: this.config.version,
      commands,
      errorCodes,
    });
  }
}
