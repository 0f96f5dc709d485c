import {Flags, followResult, parseSince, type FollowResult} from '@systemprompt/core';
import type {LogRecord} from '@systemprompt/logger';
import {SystemCommand} from '../../system-command.js';
import {mapStream} from '../../services/streams.js';

interface LogRow {
  time: string;
  level: string;
  module: string;
  pid: number | null;
  message: string;
}

const row = (record: LogRecord): LogRow => ({
  time: record.time,
  level: record.level,
  module: record.module ?? '',
  pid: record.pid ?? null,
  message: record.msg,
});

export default class SystemLogs extends SystemCommand<typeof SystemLogs> {
  static override summary = 'Show the logs of every process (CLI commands and the server), in time order.';
  static override description =
    'Reads <data>/logs/systemprompt.log and its rotated files, oldest first, and merges the records of every process by time. --follow keeps printing new records (across rotations) until interrupted: aligned rows on a terminal, one JSON envelope per line with --json.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --level warn --since 2h',
    '<%= config.bin %> <%= command.id %> --module system --follow',
  ];
  static override flags = {
    module: Flags.string({description: "Only this module's records."}),
    level: Flags.option({
      description: 'Lowest level to show.',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const,
    })(),
    since: Flags.string({description: 'Only records after this: 30m, 2h, 7d or an ISO date.'}),
    limit: Flags.integer({description: 'At most this many of the newest records (0 for all).', default: 200, min: 0}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new records.'}),
  };
  static override columns = ['time', 'level', 'module', 'pid', 'message'];

  async run(): Promise<LogRow[] | FollowResult<LogRow>> {
    const query = {
      ...(this.flags.module ? {module: this.flags.module} : {}),
      ...(this.flags.level ? {level: this.flags.level} : {}),
      ...(this.flags.since ? {since: parseSince(this.flags.since)} : {}),
    };
    const {system} = await this.systemApi();
    const actor = await this.actor();
    // Following starts before the existing records are read, so nothing falls between the two.
    const stream = this.flags.follow ? await system.followLogs(actor, {...query, signal: this.stopSignal}) : undefined;
    const records = await system.logs(actor, {...query, ...(this.flags.limit > 0 ? {limit: this.flags.limit} : {})});
    const rows = records.map(row);
    return stream ? followResult(rows, mapStream(stream, row)) : rows;
  }
}
