import {Flags, followResult, parseSince, type DomainEvent, type FollowResult} from '@systemprompt/core';
import {SystemCommand} from '../../system-command.js';
import {mapStream} from '../../services/streams.js';

interface EventRow {
  id: number | null;
  time: string;
  type: string;
  source: string;
  actor: string;
  subject: string;
  payload: unknown;
}

const row = (event: DomainEvent): EventRow => ({
  id: event.id ?? null,
  time: event.occurredAt,
  type: event.type,
  source: event.source,
  actor: event.actor ?? '',
  subject: event.subject ?? '',
  payload: event.payload,
});

export default class SystemEvents extends SystemCommand<typeof SystemEvents> {
  static override summary = 'The event log: what happened (user.created, module.started, ...), by whom, oldest first.';
  static override description =
    'Reads the events every process stored in the database (no server needed). --type takes exact types or patterns such as user.* (repeatable). --follow keeps printing new events, from this and every other process, until interrupted.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 1h',
    '<%= config.bin %> <%= command.id %> --type user.* --follow --json',
  ];
  static override flags = {
    type: Flags.string({
      char: 't',
      description: 'Only events of this type or pattern (user.*); repeatable.',
      multiple: true,
    }),
    since: Flags.string({description: 'Only events after this: 30m, 2h, 7d or an ISO date.'}),
    limit: Flags.integer({description: 'At most this many of the newest events.', default: 100, min: 1, max: 10_000}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new events.'}),
  };
  static override columns = ['id', 'time', 'type', 'source', 'actor', 'subject'];

  async run(): Promise<EventRow[] | FollowResult<EventRow>> {
    const {system} = await this.systemApi();
    const actor = await this.actor();
    const types = this.flags.type ?? [];
    // The position is taken before the newest events are read: nothing falls between the two.
    const afterId = this.flags.follow ? await system.latestEventId() : 0;
    const events = await system.events(actor, {
      types,
      ...(this.flags.since ? {since: parseSince(this.flags.since)} : {}),
      limit: this.flags.limit,
    });
    const rows = events.filter((event) => !this.flags.follow || (event.id ?? 0) <= afterId).map(row);
    if (!this.flags.follow) return rows;
    return followResult(rows, mapStream(system.followEvents(actor, {types, afterId, signal: this.stopSignal}), row));
  }
}
