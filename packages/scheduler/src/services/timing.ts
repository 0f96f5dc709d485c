import {invalidInput} from '@systemprompt/core';
import {Cron} from 'croner';

/** When a schedule fires: a cron pattern in a zone, or one instant. */
export type Timing = {cron: string; tz: string; at?: undefined} | {at: number; tz: string; cron?: undefined};

/** What to do with ticks whose time passed while no server was there to fire them. */
export const MISSED_POLICIES = ['skip', 'run-once'] as const;
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

/** Ticks one planner pass fires for one schedule at most; the rest follow in the next pass. */
const MAX_TICKS_PER_PASS = 100;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?$/i;

/** The zone of this process, for schedules created without --tz (stored, so every server reads it alike). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The IANA zone as Intl spells it; exit 2 for a name Intl does not know. */
export function checkZone(raw: string): string {
  const zone = raw.trim();
  try {
    if (zone === '') throw new RangeError('empty');
    return new Intl.DateTimeFormat('en-US', {timeZone: zone}).resolvedOptions().timeZone;
  } catch {
    throw invalidInput(`Unknown time zone ${JSON.stringify(raw.slice(0, 64))}`, {code: 'SCHEDULE_ZONE_INVALID'});
  }
}

// paused, and no function: croner only computes times, it starts no timer.
const cronOf = (pattern: string, tz: string) => new Cron(pattern, {timezone: tz, paused: true});

/** The pattern, checked: readable by croner, a pattern rather than a date, and firing at least once from `now`. */
export function checkCron(raw: string, tz: string, now: number): string {
  const pattern = raw.trim().replace(/\s+/g, ' ');
  let cron: Cron;
  try {
    if (pattern.length > 200) throw new Error('longer than 200 characters');
    cron = cronOf(pattern, tz);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
    throw invalidInput(`Invalid cron pattern ${JSON.stringify(pattern.slice(0, 200))}: ${reason}`, {
      code: 'SCHEDULE_CRON_INVALID',
    });
  }
  if (cron.getOnce())
    throw invalidInput(`${JSON.stringify(pattern)} is a time, not a cron pattern`, {
      code: 'SCHEDULE_CRON_INVALID',
      hint: 'Give a one-off time with --at instead of --cron.',
    });
  if (!cron.nextRun(new Date(now)))
    throw invalidInput(`The cron pattern ${JSON.stringify(pattern)} never fires`, {code: 'SCHEDULE_CRON_INVALID'});
  return pattern;
}

/**
 * A one-off time: ISO 8601 with an offset (Z, +02:00), or without one, read in `tz`. It must lie in
 * the future: a one-off in the past would never fire (or fire at once, which --at does not say).
 */
export function checkAt(raw: string, tz: string, now: number): number {
  const text = raw.trim();
  const match = ISO_TIME.exec(text);
  let at = Number.NaN;
  if (match) {
    try {
      at = match[5]
        ? Date.parse(`${match[1]}T${match[2]}${match[5]}`)
        : (cronOf(`${match[1]}T${match[2]}`, tz).getOnce()?.getTime() ?? Number.NaN);
    } catch {
      at = Number.NaN;
    }
  }
  if (!Number.isFinite(at))
    throw invalidInput(`--at ${JSON.stringify(text.slice(0, 64))} is not an ISO 8601 time`, {
      code: 'SCHEDULE_AT_INVALID',
    });
  if (at <= now)
    throw invalidInput(`--at ${text} (${new Date(at).toISOString()}) is not in the future`, {
      code: 'SCHEDULE_AT_INVALID',
    });
  return at;
}

/** The first tick strictly after `after`; null when there is none (a finished one-off, or a pattern that ran out). */
export function nextTick(timing: Timing, after: number): number | null {
  if (timing.at !== undefined) return timing.at > after ? timing.at : null;
  return cronOf(timing.cron, timing.tz).nextRun(new Date(after))?.getTime() ?? null;
}

export interface TickPlan {
  /** Tick times to claim, oldest first. */
  fire: number[];
  /** Ticks passed over as missed (skip), or folded into the one fired (run-once). */
  missed: number;
  /** The schedule's next_run_at afterwards (null: finished). */
  next: number | null;
}

/**
 * The ticks a schedule whose next tick is `due` (≤ now) fires at `now`. A tick no later than
 * `graceMs` is on time and fires, however many there are (a planner that stalled for two seconds
 * fires both seconds of an every-second schedule). Older ones were missed while no server ran:
 * `skip` fires none of them, `run-once` fires the latest. next_run_at then moves to the first tick
 * after now (or after the last tick fired, when a pass reached its limit).
 */
export function planTicks(timing: Timing, due: number, now: number, graceMs: number, missed: MissedPolicy): TickPlan {
  const late = now - graceMs;
  if (timing.at !== undefined) {
    const skipped = due < late && missed === 'skip';
    return {fire: skipped ? [] : [due], missed: due < late ? 1 : 0, next: null};
  }
  const cron = cronOf(timing.cron, timing.tz);
  const fire: number[] = [];
  let missedCount = 0;
  let first = due;
  if (due < late) {
    // Counted only to report it; capped so that a schedule idle for years costs little.
    for (let tick: number | null = due; tick !== null && tick < late && missedCount < 10_000;) {
      missedCount++;
      tick = cron.nextRun(new Date(tick))?.getTime() ?? null;
    }
    if (missed === 'run-once') {
      const latest = cron.previousRuns(1, new Date(late))[0]?.getTime();
      if (latest !== undefined && latest >= due) fire.push(latest);
    }
    first = cron.nextRun(new Date(late - 1))?.getTime() ?? Number.POSITIVE_INFINITY;
  }
  let tick: number | null = first;
  while (tick !== null && tick <= now && fire.length < MAX_TICKS_PER_PASS) {
    fire.push(tick);
    tick = cron.nextRun(new Date(tick))?.getTime() ?? null;
  }
  return {fire, missed: missedCount, next: tick === Number.POSITIVE_INFINITY ? null : tick};
}
