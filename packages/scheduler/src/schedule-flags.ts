import {Flags} from '@systemprompt/core';
import type {ScheduleChanges} from './services/schedules.js';
import {MISSED_POLICIES, type MissedPolicy} from './services/timing.js';

/** When a schedule fires: its own flags, so that commands of other modules (workflows:schedule) take the same. */
export const timingFlags = {
  cron: Flags.string({
    description:
      'A cron pattern (croner): 5 fields, or 6 with seconds first, or a nickname (@hourly, @daily); e.g. "*/15 * * * *". Not with --at.',
    helpGroup: 'TIMING',
  }),
  at: Flags.string({
    description: 'A one-off time, ISO 8601 (2030-01-31T09:00:00Z; without an offset, read in --tz). Not with --cron.',
    helpGroup: 'TIMING',
  }),
  tz: Flags.string({
    description:
      "The IANA time zone the pattern is read in (DST handled), e.g. Europe/Berlin. Default: this machine's zone.",
    helpGroup: 'TIMING',
  }),
  missed: Flags.option({
    description:
      'Ticks missed while no server ran: skip them (default), or run-once (the latest of them fires once when a server is back).',
    options: MISSED_POLICIES,
    helpGroup: 'TIMING',
  })(),
};

/** The flags create and update share (all optional to update; create checks the combinations in its service). */
export const scheduleFlags = {
  ...timingFlags,
  workflow: Flags.string({
    description: 'Start this workflow (needs the workflows module). Not with --command.',
    helpGroup: 'TARGET',
  }),
  input: Flags.string({description: "The workflow's input, as JSON.", helpGroup: 'TARGET'}),
  command: Flags.string({
    description:
      'Run this command of the CLI, as one string split like a shell splits words (no shell, no pipes), e.g. "users:list --json". Not with --workflow.',
    helpGroup: 'TARGET',
  }),
  description: Flags.string({description: 'What the schedule is for (up to 500 characters).'}),
};

/** What the schedule flags say, as the service takes it (create adds the name). */
export function changesOf(
  flags: {
    cron?: string | undefined;
    at?: string | undefined;
    tz?: string | undefined;
    missed?: MissedPolicy | undefined;
    workflow?: string | undefined;
    command?: string | undefined;
    description?: string | undefined;
  },
  input: unknown,
): ScheduleChanges {
  return {
    cron: flags.cron,
    at: flags.at,
    tz: flags.tz,
    missed: flags.missed,
    workflow: flags.workflow,
    input,
    command: flags.command,
    description: flags.description,
  };
}
