import {invalidInput, type Sample} from '@systemprompt/core';
import {compileSelector, labelText, type CompiledSelector, type Selector} from './selector.js';

/**
 * The arithmetic of alert rules over published snapshots: `value` (the sum of the matching series
 * now), `increase` and `rate` (over a window, counter resets handled per series). Pure functions, so
 * the evaluator and the tests share them.
 */
export type RuleFunction = 'value' | 'rate' | 'increase';
export const RULE_FUNCTIONS: readonly RuleFunction[] = ['value', 'rate', 'increase'];

/** The figures one server published at one moment: the samples of the metrics `names` (every rule's). */
export interface Snapshot {
  server: string;
  takenAt: number;
  /** The sample names this snapshot covers: a covered series that is absent here counts as 0. */
  names: readonly string[];
  samples: readonly Sample[];
}

export interface Point {
  t: number;
  v: number;
}

const UNITS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000} as const;

/** `30s`, `1m`, `1h30m`, `500ms` (as PromQL durations) in milliseconds; exit 2 naming the flag otherwise. */
export function parseDuration(text: string, flag: string, options: {min?: number; max?: number} = {}): number {
  const trimmed = text.trim();
  const parts = /^(?:\d+(?:ms|s|m|h|d))+$/.test(trimmed) ? [...trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)] : [];
  if (parts.length === 0)
    throw invalidInput(`--${flag} ${JSON.stringify(text)} is not a duration`, {
      code: 'MONITOR_DURATION_INVALID',
      hint: 'Write it as 30s, 1m, 5m, 1h or 1h30m.',
    });
  const ms = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * UNITS[unit as keyof typeof UNITS], 0);
  const {min = 0, max = 7 * 86_400_000} = options;
  if (ms < min || ms > max)
    throw invalidInput(`--${flag} ${text} is out of range (${formatDuration(min)} to ${formatDuration(max)})`, {
      code: 'MONITOR_DURATION_INVALID',
    });
  return ms;
}

/** Milliseconds as the shortest duration text (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}

/**
 * How much a counter grew over the points (oldest first): the sum of the rises, and after a drop
 * (a reset: the process restarted) the new value itself, as Prometheus counts resets.
 */
export function counterIncrease(points: readonly Point[]): number {
  let total = 0;
  for (let index = 1; index < points.length; index++) {
    const previous = points[index - 1]!.v;
    const current = points[index]!.v;
    total += current >= previous ? current - previous : current;
  }
  return total;
}

/** The per-second rate of a counter over its points: the increase over the time they span. */
export function counterRate(points: readonly Point[]): number | undefined {
  if (points.length < 2) return undefined;
  const seconds = (points.at(-1)!.t - points[0]!.t) / 1000;
  return seconds > 0 ? counterIncrease(points) / seconds : undefined;
}

export interface Evaluation {
  /** undefined: no fresh snapshot, or (rate, increase) no server with two snapshots in the window yet. */
  value: number | undefined;
  /** The series that went into the value. */
  series: number;
}

export interface RuleShape {
  selector: Selector | CompiledSelector;
  function: RuleFunction;
  /** For rate and increase. */
  windowMs: number | null;
}

const seriesKey = (sample: Sample) => labelText(sample.labels);

/**
 * A rule's value at `now` over the snapshots of every server (any order). `value`: the sum of the
 * matching samples in each server's newest snapshot taken within `freshMs`. `increase`/`rate`: per
 * server and series, the points in the window (plus the last one before it, the baseline), a covered
 * series absent from a snapshot counting as 0 (it had not been created yet); summed over all.
 */
export function evaluateRule(
  rule: RuleShape,
  snapshots: readonly Snapshot[],
  now: number,
  freshMs: number,
): Evaluation {
  const selector = 'matches' in rule.selector ? rule.selector : compileSelector(rule.selector);
  const covering = snapshots
    .filter((snapshot) => snapshot.names.includes(selector.name) && snapshot.takenAt <= now)
    .sort((a, b) => a.takenAt - b.takenAt);
  const byServer = new Map<string, Snapshot[]>();
  for (const snapshot of covering) byServer.set(snapshot.server, [...(byServer.get(snapshot.server) ?? []), snapshot]);
  const fresh = covering.some((snapshot) => snapshot.takenAt >= now - freshMs);
  if (!fresh) return {value: undefined, series: 0};

  if (rule.function === 'value') {
    let value = 0;
    let series = 0;
    for (const list of byServer.values()) {
      const newest = list.at(-1)!;
      if (newest.takenAt < now - freshMs) continue;
      for (const sample of newest.samples)
        if (selector.matches(sample)) {
          value += sample.value;
          series++;
        }
    }
    return {value, series};
  }

  const windowStart = now - (rule.windowMs ?? 0);
  let total = 0;
  let series = 0;
  let warm = false;
  for (const list of byServer.values()) {
    const firstInside = list.findIndex((snapshot) => snapshot.takenAt >= windowStart);
    if (firstInside < 0) continue;
    const used = list.slice(Math.max(0, firstInside - 1));
    if (used.length < 2) continue;
    warm = true;
    const keys = new Set<string>();
    for (const snapshot of used)
      for (const sample of snapshot.samples) if (selector.matches(sample)) keys.add(seriesKey(sample));
    for (const key of keys) {
      const points = used.map((snapshot) => ({
        t: snapshot.takenAt,
        v: snapshot.samples.find((sample) => selector.matches(sample) && seriesKey(sample) === key)?.value ?? 0,
      }));
      const figure = rule.function === 'increase' ? counterIncrease(points) : counterRate(points);
      if (figure !== undefined) {
        total += figure;
        series++;
      }
    }
  }
  return warm ? {value: total, series} : {value: undefined, series: 0};
}

/** The samples of `samples` that any of the selectors matches. */
export function samplesFor(samples: readonly Sample[], selectors: readonly CompiledSelector[]): Sample[] {
  return samples.filter((sample) => selectors.some((selector) => selector.matches(sample)));
}
