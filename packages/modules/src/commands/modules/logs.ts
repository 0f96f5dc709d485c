import {join} from 'node:path';
import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import {levelValue, parseSince, readLogs, type LogLine} from '../../services/logs.js';

export default class ModulesLogs extends SystemPromptCommand<typeof ModulesLogs> {
  static override summary = 'Show the log lines of a module (or all), from the rotated log files.';
  static override description = 'Reads <data>/logs/systemprompt.log and its rotated files. --follow keeps printing new lines until interrupted (Ctrl-C).';
  static override examples = ['<%= config.bin %> <%= command.id %> database', '<%= config.bin %> <%= command.id %> --level warn --since 2h', '<%= config.bin %> <%= command.id %> users --follow'];
  static override args = {module: Args.string({description: 'Only this module\'s lines.'})};
  static override flags = {
    level: Flags.option({description: 'Lowest level to show.', options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const})(),
    since: Flags.string({description: 'Only lines after this: 30m, 2h, 7d or an ISO date.'}),
    limit: Flags.integer({description: 'At most this many of the newest lines (0 for all).', default: 200, min: 0}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines.'}),
  };
  static override columns = ['time', 'level', 'module', 'message'];

  async run(): Promise<LogLine[]> {
    await this.authorize('modules:read', 'modules.logs', this.args.module ?? null);
    const directory = join(this.paths.data, 'logs');
    const filter = {...(this.args.module ? {module: this.args.module} : {}), ...(this.flags.level ? {minLevel: levelValue(this.flags.level)} : {}), ...(this.flags.since ? {since: parseSince(this.flags.since)} : {})};
    const lines = await readLogs(directory, filter);
    const newest = this.flags.limit === 0 ? lines : lines.slice(-this.flags.limit);
    if (!this.flags.follow) return newest;
    // Following streams lines as they come, so it prints them itself instead of returning a result.
    const print = (line: LogLine) => process.stdout.write(this.format === 'table' ? `${line.time}  ${line.level.padEnd(5)}  ${line.module.padEnd(12)}  ${line.message}\n` : `${JSON.stringify(line)}\n`);
    newest.forEach(print);
    let seen = lines.length;
    await new Promise<void>((resolve) => {
      const timer = setInterval(async () => {
        const current = await readLogs(directory, filter);
        // After a rotation the file set starts over; show what is new since then.
        if (current.length < seen) seen = 0;
        current.slice(seen).forEach(print);
        seen = current.length;
      }, 500);
      process.once('SIGINT', () => {
        clearInterval(timer);
        resolve();
      });
    });
    return [];
  }
}
