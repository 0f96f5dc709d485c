import client from 'prom-client';
import {metricName, type Gauge, type MetricLabels, type MetricsBackend, type ModuleMetrics} from '@systemprompt/core';

/** The server's one registry: process metrics, the server's own, and every module's. */
export interface ServerMetrics {
  registry: client.Registry;
  backend: MetricsBackend;
  contentType: string;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  moduleUp: client.Gauge<'module'>;
  eventsDispatched: client.Counter<'type'>;
}

const labelsOf = (labels: MetricLabels | undefined) => labels ?? {};

function moduleMetrics(registry: client.Registry, module: string): ModuleMetrics {
  const registered = new Map<string, unknown>();
  // A module that restarts defines its metrics again: it gets the ones it defined before.
  const once = <T>(name: string, make: () => T): T => {
    if (!registered.has(name)) registered.set(name, make());
    return registered.get(name) as T;
  };
  return {
    counter: (definition) => {
      const counter = once(
        definition.name,
        () =>
          new client.Counter({
            name: metricName(module, definition.name),
            help: definition.help,
            labelNames: [...(definition.labelNames ?? [])],
            registers: [registry],
          }),
      );
      return {inc: (labels, value = 1) => counter.inc(labelsOf(labels), value)};
    },
    gauge: (definition) => {
      const made: {gauge?: client.Gauge} = {};
      const handle: Gauge = {
        set: (labels, value) => made.gauge!.set(labelsOf(labels), value),
        inc: (labels, value = 1) => made.gauge!.inc(labelsOf(labels), value),
        dec: (labels, value = 1) => made.gauge!.dec(labelsOf(labels), value),
      };
      made.gauge = once(
        definition.name,
        () =>
          new client.Gauge({
            name: metricName(module, definition.name),
            help: definition.help,
            labelNames: [...(definition.labelNames ?? [])],
            registers: [registry],
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
            name: metricName(module, definition.name),
            help: definition.help,
            labelNames: [...(definition.labelNames ?? [])],
            ...(definition.buckets ? {buckets: [...definition.buckets]} : {}),
            registers: [registry],
          }),
      );
      return {observe: (labels, value) => histogram.observe(labelsOf(labels), value)};
    },
    exposition: () => registry.metrics(),
  };
}

export function createServerMetrics(): ServerMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({register: registry});
  const perModule = new Map<string, ModuleMetrics>();
  return {
    registry,
    contentType: registry.contentType,
    backend: {
      forModule: (module) => {
        if (!perModule.has(module)) perModule.set(module, moduleMetrics(registry, module));
        return perModule.get(module)!;
      },
    },
    httpDuration: new client.Histogram({
      name: 'systemprompt_http_request_duration_seconds',
      help: 'Duration of HTTP requests, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    moduleUp: new client.Gauge({
      name: 'systemprompt_module_up',
      help: 'Whether a module is healthy (1) or not (0), from its last health check.',
      labelNames: ['module'],
      registers: [registry],
    }),
    eventsDispatched: new client.Counter({
      name: 'systemprompt_events_dispatched_total',
      help: 'Events dispatched to this server, by type (each event once per server).',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
