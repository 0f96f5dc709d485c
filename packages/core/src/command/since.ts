import {invalidInput} from '../errors.js';

const UNIT_MS = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000} as const;

/** A `--since` value: `30m`, `2h`, `7d` before now, or an ISO date/time. */
export function parseSince(value: string, now = Date.now()): Date {
  const relative = /^(\d+)([smhd])$/.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw invalidInput(`--since ${value}: use 30m, 2h, 7d or an ISO date`, {code: 'SINCE_INVALID'});
  return date;
}
