import {metricName, type Gauge, type MetricLabels, type MetricsBackend, type ModuleMetrics} from '@systemprompt/core';

/**
 * A real prom-client registry for a CLI process (monitor:metrics and monitor:export when no server
 * runs): the modules booted over it define their metrics as in the server, and gauges with `collect`
 * read their figures from the database at each exposition. Process metrics are left out: those of a
 * command that lives a second say nothing. prom-client is imported only here, off every other path.
 */
export async function processMetricsBackend(): Promise<MetricsBackend> {
  const {default: client} = await import('prom-client');
  const registry = new client.Registry();
  const perModule = new Map<string, ModuleMetrics>();
  const labelsOf = (labels: MetricLabels | undefined) => labels ?? {};
  const forModule = (module: string): ModuleMetrics => {
    const registered = new Map<string, unknown>();
    const once = <T>(name: string, make: () => T): T => {
      if (!registered.has(name)) registered.set(name, make());
      return registered.get(name) as T;
    };
    const common = (definition: {name: string; help: string; labelNames?: readonly string[]}) => ({
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
        const made: {gauge?: InstanceType<typeof client.Gauge>} = {};
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
  return {
    forModule: (module) => {
      if (!perModule.has(module)) perModule.set(module, forModule(module));
      return perModule.get(module)!;
    },
  };
}
