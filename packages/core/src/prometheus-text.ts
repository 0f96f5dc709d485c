/**
 * A parser of the Prometheus text exposition format (version 0.0.4), for system:metrics and tests.
 * Written here because the npm parser looked at (parse-prometheus-text-format 1.1.1) merges the
 * series of a labelled histogram into one and drops their counts; this keeps every sample as served.
 */
export interface Sample {
  /** The sample's own name (`x_bucket`, `x_count`, ... for histograms and summaries). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const SUFFIXES = ['_bucket', '_count', '_sum', '_created', '_total'];

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) throw new Error(`line ${line}: bad labels {${text}}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_all, char: string) => (char === 'n' ? '\n' : char));
    index = pattern.lastIndex;
  }
  return labels;
}

function parseValue(text: string, line: number): number {
  // Prometheus reads these in any case (Go's ParseFloat); prom-client writes NaN as "Nan".
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`line ${line}: bad value ${text}`);
  return value;
}

/** The families of an exposition, in order; throws naming the line on malformed input. */
export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) families.set(name, (found = {name, help: '', type: 'untyped', samples: []}));
    return found;
  };
  const familyOf = (sample: string) => {
    for (const suffix of SUFFIXES) {
      const base = sample.endsWith(suffix) ? sample.slice(0, -suffix.length) : undefined;
      if (base && families.has(base) && families.get(base)!.type !== 'untyped') return families.get(base)!;
    }
    return family(sample);
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const number = index + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(.*)$/.exec(line);
      if (!meta) return; // a comment
      const target = family(meta[2]!);
      if (meta[1] === 'HELP') target.help = meta[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]!))
        target.type = meta[3] as MetricFamily['type'];
      else throw new Error(`line ${number}: unknown type ${meta[3]}`);
      return;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
    if (!sample) throw new Error(`line ${number}: not a sample: ${line}`);
    familyOf(sample[1]!).samples.push({
      name: sample[1]!,
      labels: sample[2] ? parseLabels(sample[2], number) : {},
      value: parseValue(sample[3]!, number),
    });
  });
  return [...families.values()];
}
