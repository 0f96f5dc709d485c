import type {Config, Interfaces} from '@oclif/core';
import {loadHelpClass, type Help} from '@oclif/core/help';

/**
 * What oclif's help class prints for `argv` (as `--help` and the help command call it), as the
 * arguments of each of its log calls, collected instead of written.
 */
export async function helpLogCalls(
  config: Config,
  argv: string[],
  options: Partial<Interfaces.HelpOptions>,
): Promise<string[][]> {
  const HelpClass = (await loadHelpClass(config)) as typeof Help;
  const calls: string[][] = [];
  const help = new (class extends HelpClass {
    protected override log(...args: string[]): void {
      calls.push(args);
    }
  })(config, options);
  await help.showHelp(argv);
  return calls;
}

/** cli:help's text: the help of one command or topic (or the overview for ''), one line per log call. */
export async function helpText(
  config: Config,
  subject: string,
  options: Partial<Interfaces.HelpOptions>,
): Promise<string> {
  return (await helpLogCalls(config, subject ? [subject] : [], options)).map((args) => args.join(' ')).join('\n');
}
