import type {MetricFamily, Sample} from '@systemprompt/core';
import {compileSelector, labelText, parseSelector} from './selector.js';

/**
 * A --filter: a PromQL selector when it has braces (`x_count{status=~"5.."}`), else a piece of the
 * sample's name (`http`). Families keep only the samples that pass; empty families are dropped.
 */
export function filterFamilies(families: readonly MetricFamily[], filter: string | undefined): MetricFamily[] {
  if (!filter) return [...families];
  const test: (sample: Sample) => boolean = filter.includes('{')
    ? compileSelector(parseSelector(filter)).matches
    : (sample) => sample.name.includes(filter);
  return families
    .map((family) => ({...family, samples: family.samples.filter(test)}))
    .filter((family) => family.samples.length > 0);
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Families back to the Prometheus text exposition format (version 0.0.4). */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (family.help) lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
        .join(',');
      lines.push(`${sample.name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** One row per sample, for a table: histogram buckets left out unless `buckets` (they are in --raw and --json). */
export function sampleRows(
  families: readonly MetricFamily[],
  options: {buckets?: boolean} = {},
): Array<{metric: string; labels: string; value: number}> {
  return families.flatMap((family) =>
    family.samples
      .filter((sample) => options.buckets || !sample.name.endsWith('_bucket'))
      .map((sample) => ({metric: sample.name, labels: labelText(sample.labels), value: sample.value})),
  );
}
