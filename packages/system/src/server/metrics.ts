import client from 'prom-client';
import {promMetricsBackend, type MetricsBackend} from '@systemprompt/core';

/** The server's one registry: process metrics, the server's own, and every module's. */
export interface ServerMetrics {
  registry: client.Registry;
  backend: MetricsBackend;
  contentType: string;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  moduleUp: client.Gauge<'module'>;
  eventsDispatched: client.Counter<'type'>;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({register: registry});
  return {
    registry,
    contentType: registry.contentType,
    backend: promMetricsBackend(client, registry),
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
