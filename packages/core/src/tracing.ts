/**
 * Tracing as modules use it. The server installs an OpenTelemetry-backed implementation (loaded only
 * when tracing is on); everywhere else (CLI processes, tracing off) the calls run the work directly,
 * so modules wrap their work unconditionally and OpenTelemetry stays off the CLI path.
 */
export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributeValue = string | number | boolean;
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

export interface SpanHandle {
  setAttribute(key: string, value: SpanAttributeValue): void;
  /** Marks the span failed, recording the error (its message, never its payload). */
  fail(error: unknown): void;
}

/** A span started by hand (an HTTP request), ended by whoever started it. */
export interface ManualSpan extends SpanHandle {
  /** Runs `work` with this span as the active one (spans started inside become its children). */
  run<T>(work: () => T): T;
  end(): void;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /**
   * Recorded only inside a recorded span (database statements): background polling outside any
   * request or job starts no trace of its own.
   */
  childOnly?: boolean;
}

/** A finished span as the local store keeps it (monitor:traces, monitor:export). */
export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  startTimeMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Record<string, SpanAttributeValue>;
}

export interface SpanQuery {
  /** Only spans that started at or after this time (ms since the epoch). */
  sinceMs?: number;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Runs `work` inside a new span, a child of the active one; the span fails when `work` throws. */
  span<T>(name: string, options: SpanOptions, work: (span: SpanHandle) => Promise<T>): Promise<T>;
  /** Starts a span to end by hand; `parent` holds W3C trace context headers of a remote caller. */
  start(name: string, options: SpanOptions & {parent?: Record<string, string | string[] | undefined>}): ManualSpan;
  /** Sets an attribute on the active span, if any (a route known only once the request is matched). */
  annotate(key: string, value: SpanAttributeValue): void;
  /** Adds the active span's W3C trace context (traceparent, tracestate) to outgoing HTTP headers. */
  inject(headers: Record<string, string>): Record<string, string>;
  /** The finished spans this process keeps (a bounded store, oldest first). */
  recentSpans(query?: SpanQuery): FinishedSpan[];
  /** The same spans as an OTLP/JSON ExportTraceServiceRequest. */
  recentOtlp(query?: SpanQuery): Promise<unknown>;
  /** Sends what is buffered to the exporter and stops. */
  shutdown(): Promise<void>;
}

export const NOOP_SPAN: ManualSpan = {
  setAttribute() {},
  fail() {},
  run: (work) => work(),
  end() {},
};

/** Tracing that records nothing: work runs as it is. */
export const NO_TRACING: Tracing = Object.freeze({
  enabled: false,
  span: <T>(_name: string, _options: SpanOptions, work: (span: SpanHandle) => Promise<T>) => work(NOOP_SPAN),
  start: () => NOOP_SPAN,
  annotate() {},
  inject: (headers: Record<string, string>) => headers,
  recentSpans: () => [],
  recentOtlp: async () => ({resourceSpans: []}),
  shutdown: async () => {},
});

// One per process, whichever copy of core a module package resolved.
const SLOT = Symbol.for('systemprompt.tracing');
type Slot = {[SLOT]?: Tracing};

/** The process's tracing (NO_TRACING unless the server installed one). */
export function tracing(): Tracing {
  return (globalThis as Slot)[SLOT] ?? NO_TRACING;
}

/** Installs the process's tracing (the server, at start); `undefined` puts the no-op back. */
export function installTracing(implementation: Tracing | undefined): void {
  (globalThis as Slot)[SLOT] = implementation;
}

/**
 * `fetch` for outgoing HTTP (model providers, upstream MCP servers): with tracing on, each request is a
 * client span and carries its W3C trace context; otherwise it is plain fetch.
 */
export const tracedFetch: typeof fetch = (input, init) => {
  const tracer = tracing();
  if (!tracer.enabled) return fetch(input, init);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const url = new URL(input instanceof Request ? input.url : String(input));
  return tracer.span(
    `HTTP ${method}`,
    {kind: 'client', attributes: {'http.request.method': method, 'server.address': url.host, 'url.path': url.pathname}},
    async (span) => {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      for (const [name, value] of Object.entries(tracer.inject({}))) headers.set(name, value);
      const response = await fetch(input, {...init, headers});
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.fail(new Error(`HTTP ${response.status}`));
      return response;
    },
  );
};
