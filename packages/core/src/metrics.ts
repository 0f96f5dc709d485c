/**
 * Metrics as modules declare them. In the server these are prom-client metrics in one registry
 * (exported at /metrics, named `systemprompt_<module>_<name>`); in a CLI process they cost nothing
 * and record nothing, so modules call them unconditionally and prom-client stays off the CLI path.
 */
export type MetricLabels = Record<string, string | number>;

export interface MetricDefinition {
  /** Lower snake case, without the `systemprompt_<module>_` prefix the registry adds. */
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export interface Counter {
  inc(labels?: MetricLabels, value?: number): void;
}

export interface Gauge {
  set(labels: MetricLabels | undefined, value: number): void;
  inc(labels?: MetricLabels, value?: number): void;
  dec(labels?: MetricLabels, value?: number): void;
}

export interface Histogram {
  observe(labels: MetricLabels | undefined, value: number): void;
}

export interface ModuleMetrics {
  counter(definition: MetricDefinition): Counter;
  /** `collect` runs at each scrape, to set the gauge from the current state (rows by status, ...). */
  gauge(definition: MetricDefinition & {collect?: (gauge: Gauge) => void | Promise<void>}): Gauge;
  histogram(definition: MetricDefinition & {buckets?: readonly number[]}): Histogram;
  /**
   * The whole registry as Prometheus text (the server's figures and every module's), for modules that
   * read figures, such as alert rules; empty where nothing is recorded.
   */
  exposition(): Promise<string>;
}

/** What the server plugs into the kernel: one ModuleMetrics per module over a shared registry. */
export interface MetricsBackend {
  forModule(module: string): ModuleMetrics;
}

const NOTHING = {inc() {}, dec() {}, set() {}, observe() {}};

/** Metrics that record nothing (CLI processes). */
export const NO_METRICS: ModuleMetrics = Object.freeze({
  counter: () => NOTHING,
  gauge: () => NOTHING,
  histogram: () => NOTHING,
  exposition: async () => '',
});

/** The metric name a module's definition gets in the registry. */
export const metricName = (module: string, name: string): string => `systemprompt_${module.replace(/-/g, '_')}_${name}`;

/**
 * A gauge of rows by one column (users by status, workflow runs by status...), counted in the database
 * at each scrape: `count` answers [value, rows] pairs; every `known` value shows, with 0 when absent.
 */
export function rowCountGauge(
  metrics: ModuleMetrics,
  definition: MetricDefinition & {
    label: string;
    known: readonly string[];
    count: () => Promise<ReadonlyArray<readonly [string, number | string]>>;
  },
): Gauge {
  const {label, known, count, ...gauge} = definition;
  return metrics.gauge({
    ...gauge,
    labelNames: [label],
    collect: async (handle) => {
      const rows = new Map((await count()).map(([value, n]) => [value, Number(n)]));
      for (const value of new Set([...known, ...rows.keys()])) handle.set({[label]: value}, rows.get(value) ?? 0);
    },
  });
}
