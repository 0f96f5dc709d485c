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

type PromLabels = Record<string, string | number>;
interface PromMetricConfig<Registry> {
  name: string;
  help: string;
  labelNames: string[];
  registers: Registry[];
  buckets?: number[];
  collect?: () => void | Promise<void>;
}

/**
 * The part of prom-client a metrics backend uses. The caller passes the prom-client it imported (the
 * server; monitor:metrics without one), so core itself never loads it.
 */
export interface PromClient<Registry> {
  Counter: new (config: PromMetricConfig<Registry>) => {inc(labels: PromLabels, value: number): void};
  Gauge: new (config: PromMetricConfig<Registry>) => {
    set(labels: PromLabels, value: number): void;
    inc(labels: PromLabels, value: number): void;
    dec(labels: PromLabels, value: number): void;
  };
  Histogram: new (config: PromMetricConfig<Registry>) => {observe(labels: PromLabels, value: number): void};
}

/** Module metrics over one prom-client registry, named `systemprompt_<module>_<name>`. */
export function promMetricsBackend<Registry extends {metrics(): Promise<string>}>(
  client: PromClient<Registry>,
  registry: Registry,
): MetricsBackend {
  const labelsOf = (labels: MetricLabels | undefined) => labels ?? {};
  const forModule = (module: string): ModuleMetrics => {
    const registered = new Map<string, unknown>();
    // A module that restarts defines its metrics again: it gets the ones it defined before.
    const once = <T>(name: string, make: () => T): T => {
      if (!registered.has(name)) registered.set(name, make());
      return registered.get(name) as T;
    };
    const common = (definition: MetricDefinition) => ({
      name: metricName(module, definition.name),
      help: definition.help,
      labelNames: [...(definition.labelNames ?? [])],
      registers: [registry],
    });
    return {
      counter: (definition) => {
        const counter = once(definition.name, () => new client.Counter(common(definition)));
        return {inc: (labels, value = 1) => counter.inc(labelsOf(labels), value)};
      },
      gauge: (definition) => {
        const made: {gauge?: InstanceType<PromClient<Registry>['Gauge']>} = {};
        const handle: Gauge = {
          set: (labels, value) => made.gauge!.set(labelsOf(labels), value),
          inc: (labels, value = 1) => made.gauge!.inc(labelsOf(labels), value),
          dec: (labels, value = 1) => made.gauge!.dec(labelsOf(labels), value),
        };
        made.gauge = once(
          definition.name,
          () =>
            new client.Gauge({
              ...common(definition),
              ...(definition.collect ? {collect: () => definition.collect!(handle)} : {}),
            }),
        );
        return handle;
      },
      histogram: (definition) => {
        const histogram = once(
          definition.name,
          () =>
            new client.Histogram({
              ...common(definition),
              ...(definition.buckets ? {buckets: [...definition.buckets]} : {}),
            }),
        );
        return {observe: (labels, value) => histogram.observe(labelsOf(labels), value)};
      },
      exposition: () => registry.metrics(),
    };
  };
  const perModule = new Map<string, ModuleMetrics>();
  return {
    forModule: (module) => {
      if (!perModule.has(module)) perModule.set(module, forModule(module));
      return perModule.get(module)!;
    },
  };
}
