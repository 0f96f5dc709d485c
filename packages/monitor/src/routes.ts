import {invalidInput, type HttpRoutes} from '@systemprompt/core';
import type {ObserverService} from './services/observer.js';

function sinceOf(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw invalidInput('since must be milliseconds since the epoch', {code: 'QUERY_PARAMETER_INVALID'});
  return number;
}

/** The monitor module's HTTP API: the server's recent spans, for monitor:traces and monitor:export. */
export function addMonitorRoutes(http: HttpRoutes, observer: ObserverService): void {
  http.add({
    method: 'GET',
    path: '/traces',
    permission: 'monitor:read',
    summary: 'The spans this server keeps ({enabled, spans}), those started at or after ?since=MS.',
    handler: async ({actor, query}) => observer.spans(actor, sinceOf(query.since)),
  });
  http.add({
    method: 'GET',
    path: '/traces/otlp',
    permission: 'monitor:read',
    summary: 'The same spans as an OTLP/JSON ExportTraceServiceRequest.',
    handler: async ({actor, query}) => observer.otlp(actor, sinceOf(query.since)),
  });
}
