/** A V8 CPU profile as `node --cpu-prof` writes it (the DevTools Profiler.Profile shape). */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: {functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId?: string};
    hitCount?: number;
    children?: number[];
  }>;
  /** Microseconds. */
  startTime: number;
  endTime: number;
  /** The node on top of the stack at each sample. */
  samples: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

export interface TopFunction {
  /** The function's name, `(anonymous)`, or V8's `(program)` / `(garbage collector)`. */
  function: string;
  /** `url:line` (1-based line), empty for V8's own entries. */
  location: string;
  /** Time this function itself was on top of the stack, in milliseconds. */
  selfMs: number;
  /** selfMs as a share of the profile's duration. */
  percent: number;
}

export interface ProfileSummary {
  /** The profile's duration, in milliseconds. */
  durationMs: number;
  samples: number;
  top: TopFunction[];
}

/** Entries that are not work of the profiled code. */
const NOT_WORK = new Set(['(root)', '(idle)']);

/**
 * The functions with the most self time. Each sample lasts until the next one (the last until the
 * profile's end), as DevTools counts it: hitCount alone would weigh a sample taken after a long pause
 * the same as one taken after a short one. Nodes of the same function (several call paths) are summed.
 */
export function topFunctions(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map<number, number>();
  let at = profile.startTime;
  const times = profile.timeDeltas.map((delta) => (at += delta));
  profile.samples.forEach((id, index) => {
    const end = index + 1 < times.length ? times[index + 1]! : profile.endTime;
    const duration = Math.max(0, end - times[index]!);
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + duration);
  });
  const byFunction = new Map<string, {function: string; location: string; self: number}>();
  for (const [id, self] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || NOT_WORK.has(frame.functionName)) continue;
    const name = frame.functionName || '(anonymous)';
    const location = frame.url ? `${displayUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name}\u0000${location}:${frame.columnNumber}`;
    const entry = byFunction.get(key) ?? {function: name, location, self: 0};
    entry.self += self;
    byFunction.set(key, entry);
  }
  const durationUs = Math.max(1, profile.endTime - profile.startTime);
  return {
    durationMs: round(durationUs / 1000),
    samples: profile.samples.length,
    top: [...byFunction.values()]
      .sort((a, b) => b.self - a.self || a.function.localeCompare(b.function))
      .slice(0, top)
      .map((entry) => ({
        function: entry.function,
        location: entry.location,
        selfMs: round(entry.self / 1000),
        percent: round((entry.self / durationUs) * 100),
      })),
  };
}

/** A file URL as its path; node:internal and other schemes as they are. */
function displayUrl(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Whether parsed JSON has the shape of a CPU profile (what topFunctions reads). */
export function isCpuProfile(value: unknown): value is CpuProfile {
  const profile = value as Partial<CpuProfile> | null;
  return (
    typeof profile === 'object' &&
    profile !== null &&
    Array.isArray(profile.nodes) &&
    Array.isArray(profile.samples) &&
    Array.isArray(profile.timeDeltas) &&
    typeof profile.startTime === 'number' &&
    typeof profile.endTime === 'number'
  );
}
