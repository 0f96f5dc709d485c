import type {MetricFamily, Sample} from './prometheus-text.js';

export interface KeyFigure {
  figure: string;
  value: string;
}

const megabytes = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const total = (samples: readonly Sample[]) => samples.reduce((sum, sample) => sum + sample.value, 0);

/** The figures a person looks at first, from a parsed /metrics scrape. */
export function keyFigures(families: readonly MetricFamily[], now: number = Date.now()): KeyFigure[] {
  const samples = (family: string, sample: string = family) =>
    families.find((candidate) => candidate.name === family)?.samples.filter((entry) => entry.name === sample) ?? [];
  const value = (name: string) => samples(name)[0]?.value ?? NaN;
  const figures: KeyFigure[] = [];
  const started = value('process_start_time_seconds');
  if (Number.isFinite(started)) figures.push({figure: 'uptime', value: `${Math.round(now / 1000 - started)} s`});
  const rss = value('process_resident_memory_bytes');
  if (Number.isFinite(rss)) figures.push({figure: 'memory (rss)', value: megabytes(rss)});
  const heap = value('nodejs_heap_size_used_bytes');
  if (Number.isFinite(heap)) figures.push({figure: 'heap used', value: megabytes(heap)});
  const cpu = value('process_cpu_seconds_total');
  if (Number.isFinite(cpu)) figures.push({figure: 'cpu time', value: `${cpu.toFixed(2)} s`});
  const lag = value('nodejs_eventloop_lag_p99_seconds');
  if (Number.isFinite(lag)) figures.push({figure: 'event loop lag p99', value: `${(lag * 1000).toFixed(1)} ms`});
  const requests = samples(
    'systemprompt_http_request_duration_seconds',
    'systemprompt_http_request_duration_seconds_count',
  );
  figures.push({figure: 'http requests', value: String(total(requests))});
  figures.push({
    figure: 'http 5xx',
    value: String(total(requests.filter((sample) => (sample.labels.status ?? '').startsWith('5')))),
  });
  const up = samples('systemprompt_module_up');
  const down = up.filter((sample) => sample.value === 0).map((sample) => sample.labels.module ?? '?');
  figures.push({
    figure: 'modules healthy',
    value: `${up.length - down.length}/${up.length}${down.length ? ` (unhealthy: ${down.join(', ')})` : ''}`,
  });
  figures.push({figure: 'events dispatched', value: String(total(samples('systemprompt_events_dispatched_total')))});
  return figures;
}
