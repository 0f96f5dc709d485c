import type {FastifyInstance, FastifyRequest} from 'fastify';
import {tracing, type ManualSpan} from '@systemprompt/core';

/** Probes a load balancer asks many times a second: not traced. */
const UNTRACED = new Set(['/health', '/ready']);

/**
 * A server span per request (continuing the caller's W3C trace context), active while fastify runs
 * the request's hooks and handler, so the spans made there (MCP calls, database statements) are its
 * children. Added only when tracing is on: otherwise requests pay nothing.
 */
export function traceRequests(app: FastifyInstance): void {
  const tracer = tracing();
  if (!tracer.enabled) return;
  const spans = new WeakMap<FastifyRequest, ManualSpan>();
  const end = (request: FastifyRequest, status?: number) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (status !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.fail(new Error(`HTTP ${status}`));
    } else span.fail(new Error('The client went away before the answer'));
    span.end();
  };
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route && UNTRACED.has(route)) return done();
    const span = tracer.start(`HTTP ${request.method} ${route ?? 'unmatched'}`, {
      kind: 'server',
      parent: request.headers,
      attributes: {
        'http.request.method': request.method,
        'http.route': route ?? 'unmatched',
        // The path without its query string, which may carry credentials.
        'url.path': request.url.split('?', 1)[0],
      },
    });
    spans.set(request, span);
    span.run(done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request);
    done();
  });
}
