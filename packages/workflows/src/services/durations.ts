const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
/** The longest delay a step may ask for (a year): anything longer is a mistake, not a plan. */
export const MAX_DELAY_MS = 366 * 86_400_000;

/**
 * Milliseconds of a duration: a number (milliseconds), digits, or units such as 500ms, 30s, 5m, 2h,
 * 1d and combinations (1h30m). Undefined when it is none of these or longer than MAX_DELAY_MS.
 */
export function parseDuration(value: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text)) ms = Number(text);
    else if (text !== '') {
      PART.lastIndex = 0;
      let total = 0;
      let end = 0;
      for (let match = PART.exec(text); match; match = PART.exec(text)) {
        total += Number(match[1]) * UNIT_MS[match[2]!]!;
        end = PART.lastIndex;
      }
      if (end === text.length) ms = total;
    }
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_DELAY_MS) return undefined;
  return Math.round(ms);
}

/** Milliseconds since the epoch of an ISO 8601 time (a date alone is midnight UTC), or undefined. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : ms;
}
