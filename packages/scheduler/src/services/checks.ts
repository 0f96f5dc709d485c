import {invalidInput} from '@systemprompt/core';
import {checkText} from '@systemprompt/users';
import type {ScheduleRow} from '../entities.js';
import {MISSED_POLICIES, checkAt, checkCron, checkZone, type MissedPolicy} from './timing.js';

// What people type for a schedule, checked before the database sees it: exit 2 with one line otherwise.

/** A schedule's name: a lower-case slug. */
export const SCHEDULE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_DESCRIPTION = 500;

export function checkName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (!SCHEDULE_NAME_PATTERN.test(name))
    throw invalidInput(`Invalid schedule name ${JSON.stringify(String(raw ?? '').slice(0, 80))}`, {
      code: 'SCHEDULE_NAME_INVALID',
      hint: 'Lower-case letters, digits and hyphens, e.g. nightly-report.',
    });
  return name;
}

export function checkMissed(raw: unknown): MissedPolicy {
  if (!(MISSED_POLICIES as readonly unknown[]).includes(raw))
    throw invalidInput(`--missed ${JSON.stringify(String(raw).slice(0, 20))}: expected skip or run-once`, {
      code: 'SCHEDULE_MISSED_INVALID',
    });
  return raw as MissedPolicy;
}

export function checkDescription(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  return checkText(raw, {what: 'The description', max: MAX_DESCRIPTION, code: 'SCHEDULE_DESCRIPTION_INVALID'}) || null;
}

/** The timing fields of a row from --cron/--at/--tz (exactly one of cron and at). */
export function checkTiming(
  input: {cron?: string | undefined; at?: string | undefined; tz?: string | undefined},
  fallbackZone: string,
  now: number,
): Pick<ScheduleRow, 'cron' | 'at' | 'tz'> {
  if ((input.cron === undefined) === (input.at === undefined))
    throw invalidInput(
      input.cron === undefined ? 'Give a timing: --cron PATTERN or --at TIME' : 'Give either --cron or --at, not both',
      {
        code: 'SCHEDULE_TIMING_INVALID',
      },
    );
  const tz = input.tz === undefined ? fallbackZone : checkZone(input.tz);
  if (input.cron !== undefined) return {cron: checkCron(input.cron, tz, now), at: null, tz};
  return {cron: null, at: checkAt(input.at!, tz, now), tz};
}
