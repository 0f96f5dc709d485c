import {AsyncLocalStorage} from 'node:async_hooks';
import type {Context, ContextManager, HrTime, Span as OtelSpan} from '@opentelemetry/api';
import type {ReadableSpan, Sampler, SamplingResult, SpanProcessor} from '@opentelemetry/sdk-trace-base';
import {
  NOOP_SPAN,
  type FinishedSpan,
  type ManualSpan,
  type SpanAttributes,
  type SpanHandle,
  type SpanKind,
  type SpanOptions,
  type SpanQuery,
  type Tracing,
} from '@systemprompt/core';

export interface TracingSettings {
  /** Share of new traces recorded (0–1); a trace continued from a caller follows the caller's choice. */
  sampleRatio: number;
  /** New traces recorded per second at most (0: no limit): a busy server records a steady few. */
  maxTracesPerSecond: number;
  /** OTLP/HTTP traces endpoint (…/v1/traces); empty: spans stay in the local store only. */
  otlpEndpoint: string;
  /** How many finished spans the local store keeps (the oldest go first). */
  storeSpans: number;
  serviceVersion: string;
  serverId: string;
}

const KINDS: SpanKind[] = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'] as const;
const KIND_CODES: Record<SpanKind, number> = {internal: 0, server: 1, client: 2, producer: 3, consumer: 4};
const STATUS_ERROR = 2;
// SamplingDecision of the SDK (a const enum there): NOT_RECORD and RECORD_AND_SAMPLED.
const NOT_RECORDED = 0;
const SAMPLED = 2;

const millis = (time: HrTime) => time[0] * 1000 + time[1] / 1e6;

/**
 * The active context in an AsyncLocalStorage that is on only while a recorded span is active. On Node
 * 20 an enabled AsyncLocalStorage hooks every promise of the process (a large share of a server's
 * requests per second), so the tracking goes off whenever no recorded span remains and comes back with
 * the next one; spans the sampler leaves out never turn it on.
 */
/**
 * A ratio of new traces, and at most `perSecond` of them a second (a token bucket holding one second's
 * worth): an idle server records every request, a busy one a steady few, so the cost stays bounded.
 */
class RateLimitedSampler implements Sampler {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly ratio: Sampler,
    private readonly perSecond: number,
  ) {
    this.tokens = perSecond;
  }

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    const decision = this.ratio.shouldSample(...args);
    if (decision.decision !== SAMPLED || this.perSecond === 0) return decision;
    const now = performance.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return {decision: NOT_RECORDED};
    this.tokens -= 1;
    return decision;
  }

  toString(): string {
    return `RateLimited{${this.ratio.toString()}, ${this.perSecond}/s}`;
  }
}

class ScopedContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  private scopes = 0;

  constructor(private readonly root: Context) {}

  active(): Context {
    return this.storage.getStore() ?? this.root;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const call = (thisArg: unknown, args: unknown[]) =>
      this.with(context, () => (target as (...inner: unknown[]) => unknown).apply(thisArg, args));
    return function (this: unknown, ...args: unknown[]) {
      return call(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }

  /** A recorded span became active. */
  enter(): void {
    this.scopes++;
  }

  /** A recorded span ended: with none left, the tracking goes off (work still running loses nothing it needs). */
  leave(): void {
    if (--this.scopes === 0) this.storage.disable();
  }
}

/** The last `capacity` finished spans, kept as the SDK made them (converted only when read). */
class SpanRing implements SpanProcessor {
  private readonly spans: ReadableSpan[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.capacity === 0) return;
    if (this.spans.length < this.capacity) this.spans.push(span);
    else this.spans[this.next] = span;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  read(query: SpanQuery): ReadableSpan[] {
    const ordered =
      this.spans.length < this.capacity
        ? [...this.spans]
        : [...this.spans.slice(this.next), ...this.spans.slice(0, this.next)];
    const since = query.sinceMs;
    return since === undefined ? ordered : ordered.filter((span) => millis(span.startTime) >= since);
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function finished(span: ReadableSpan): FinishedSpan {
  const context = span.spanContext();
  const attributes: FinishedSpan['attributes'] = {};
  for (const [key, value] of Object.entries(span.attributes))
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    ...(span.parentSpanContext ? {parentSpanId: span.parentSpanContext.spanId} : {}),
    name: span.name,
    kind: KINDS[span.kind] ?? 'internal',
    startTimeMs: millis(span.startTime),
    durationMs: millis(span.duration),
    status: STATUS[span.status.code] ?? 'unset',
    ...(span.status.message ? {statusMessage: span.status.message} : {}),
    attributes,
  };
}

function defined(attributes: SpanAttributes | undefined): Record<string, string | number | boolean> | undefined {
  if (!attributes) return undefined;
  const kept: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) kept[key] = value;
  return kept;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The server's tracing on the OpenTelemetry SDK, imported here only (the server loads this file only
 * when tracing is on): an AsyncLocalStorage context, W3C trace context propagation, a bounded local
 * store of finished spans and, when an endpoint is set, OTLP/HTTP export in batches.
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  const [api, {NodeTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler}, resources] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/resources'),
    ]);
  const ring = new SpanRing(settings.storeSpans);
  const processors: SpanProcessor[] = [ring];
  if (settings.otlpEndpoint) {
    const {OTLPTraceExporter} = await import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(
      new BatchSpanProcessor(new OTLPTraceExporter({url: settings.otlpEndpoint}), {scheduledDelayMillis: 1000}),
    );
  }
  const provider = new NodeTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': 'systemprompt',
      'service.version': settings.serviceVersion,
      'service.instance.id': settings.serverId,
    }),
    sampler: new ParentBasedSampler({
      root: new RateLimitedSampler(new TraceIdRatioBasedSampler(settings.sampleRatio), settings.maxTracesPerSecond),
    }),
    spanProcessors: processors,
  });
  const contexts = new ScopedContextManager(api.ROOT_CONTEXT);
  // The context manager and the W3C trace context propagator, for the whole process.
  provider.register({contextManager: contexts});
  const tracer = provider.getTracer('systemprompt', settings.serviceVersion);

  const handleOf = (span: OtelSpan): SpanHandle => ({
    setAttribute: (key, value) => void span.setAttribute(key, value),
    fail: (error) => {
      span.setStatus({code: STATUS_ERROR, message: messageOf(error)});
      if (error instanceof Error) span.recordException({name: error.name, message: error.message});
    },
  });
  const optionsOf = (options: SpanOptions) => ({
    kind: KIND_CODES[options.kind ?? 'internal'],
    attributes: defined(options.attributes),
  });

  return {
    enabled: true,
    span: async (name, options, work) => {
      const parent = api.context.active();
      if (options.childOnly && !api.trace.getSpan(parent)?.isRecording()) return work(NOOP_SPAN);
      const span = tracer.startSpan(name, optionsOf(options), parent);
      // A span the sampler left out is no one's parent: its work runs outside any context.
      if (!span.isRecording()) return work(NOOP_SPAN);
      const handle = handleOf(span);
      contexts.enter();
      try {
        return await contexts.with(api.trace.setSpan(parent, span), () => work(handle));
      } catch (error) {
        handle.fail(error);
        throw error;
      } finally {
        span.end();
        contexts.leave();
      }
    },
    start: (name, options): ManualSpan => {
      const parent: Context = options.parent
        ? api.propagation.extract(api.ROOT_CONTEXT, options.parent)
        : api.context.active();
      const span = tracer.startSpan(name, optionsOf(options), parent);
      if (!span.isRecording()) return NOOP_SPAN;
      const active = api.trace.setSpan(parent, span);
      contexts.enter();
      let ended = false;
      return {
        ...handleOf(span),
        run: (work) => contexts.with(active, work),
        end: () => {
          if (ended) return;
          ended = true;
          span.end();
          contexts.leave();
        },
      };
    },
    annotate: (key, value) => void api.trace.getActiveSpan()?.setAttribute(key, value),
    inject: (headers) => {
      api.propagation.inject(api.context.active(), headers);
      return headers;
    },
    recentSpans: (query = {}) => ring.read(query).map(finished),
    recentOtlp: async (query = {}) => {
      const {JsonTraceSerializer} = await import('@opentelemetry/otlp-transformer');
      const bytes = JsonTraceSerializer.serializeRequest(ring.read(query));
      return bytes ? JSON.parse(Buffer.from(bytes).toString('utf8')) : {resourceSpans: []};
    },
    shutdown: async () => {
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
