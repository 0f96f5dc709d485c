import {Args, Flags, followResult, type FollowResult} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import {levelValue, parseSince, type LogLine} from '../../services/logs.js';

export default class ModulesLogs extends ModulesCommand<typeof ModulesLogs> {
  static override summary = 'Show the log lines of a module (or all), from the rotated log files.';
  static override description =
    'Reads <data>/logs/systemprompt.log and its rotated files. --follow keeps printing new lines until interrupted (Ctrl-C): aligned rows on a terminal, one JSON envelope per line with --json; --output writes them to a file as they come.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> database',
    '<%= config.bin %> <%= command.id %> --level warn --since 2h',
    '<%= config.bin %> <%= command.id %> users --follow',
  ];
  static override args = {module: Args.string({description: "Only this module's lines."})};
  static override flags = {
    level: Flags.option({
      description: 'Lowest level to show.',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const,
    })(),
    since: Flags.string({description: 'Only lines after this: 30m, 2h, 7d or an ISO date.'}),
    limit: Flags.integer({description: 'At most this many of the newest lines (0 for all).', default: 200, min: 0}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines.'}),
  };
  static override columns = ['time', 'level', 'module', 'message'];

  async run(): Promise<LogLine[] | FollowResult<LogLine>> {
    const filter = {
      ...(this.args.module ? {module: this.args.module} : {}),
      ...(this.flags.level ? {minLevel: levelValue(this.flags.level)} : {}),
      ...(this.flags.since ? {since: parseSince(this.flags.since)} : {}),
    };
    const service = await this.modulesService();
    const actor = await this.actor();
    // The stream starts at the log's end before the existing lines are read: nothing falls between.
    const stream = this.flags.follow
      ? await service.follow(actor, this.host(), filter, {signal: this.stopSignal})
      : undefined;
    const lines = await service.logs(actor, this.host(), filter);
    const newest = this.flags.limit === 0 ? lines : lines.slice(-this.flags.limit);
    return stream ? followResult(newest, stream) : newest;
  }
}
