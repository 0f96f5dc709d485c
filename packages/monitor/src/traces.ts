import type {FinishedSpan, SpanAttributeValue} from '@systemprompt/core';

/** A span with its children, as monitor:traces shows it. */
export interface SpanNode {
  spanId: string;
  name: string;
  kind: string;
  startTime: string;
  /** Milliseconds after the trace's first span started. */
  offsetMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Record<string, SpanAttributeValue>;
  children: SpanNode[];
}

/** One trace: its root span (or the earliest, when the root is not kept), how long, and its tree. */
export interface TraceView {
  traceId: string;
  name: string;
  startTime: string;
  durationMs: number;
  /** error when any span failed. */
  status: 'unset' | 'ok' | 'error';
  spanCount: number;
  spans: SpanNode[];
}

export interface TraceQuery {
  /** Only traces at least this long. */
  minDurationMs?: number;
  /** The newest N traces. */
  limit?: number;
  /**
   * Also traces made of database statements alone: statements whose request, job or step has already
   * left the bounded store (the server records no statement outside a recorded span).
   */
  background?: boolean;
}

/** A trace whose spans are all database statements: what is left of one whose parent left the store. */
const isBackground = (members: readonly FinishedSpan[]) => members.every((span) => span.name.startsWith('db '));

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Groups spans into traces (newest first), each a tree ordered by start time. */
export function buildTraces(spans: readonly FinishedSpan[], query: TraceQuery = {}): TraceView[] {
  const byTrace = new Map<string, FinishedSpan[]>();
  for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  const traces: TraceView[] = [];
  for (const [traceId, members] of byTrace) {
    if (!query.background && isBackground(members)) continue;
    const start = Math.min(...members.map((span) => span.startTimeMs));
    const end = Math.max(...members.map((span) => span.startTimeMs + span.durationMs));
    const ids = new Set(members.map((span) => span.spanId));
    const node = (span: FinishedSpan): SpanNode => ({
      spanId: span.spanId,
      name: span.name,
      kind: span.kind,
      startTime: new Date(span.startTimeMs).toISOString(),
      offsetMs: round(span.startTimeMs - start),
      durationMs: round(span.durationMs),
      status: span.status,
      ...(span.statusMessage ? {statusMessage: span.statusMessage} : {}),
      attributes: span.attributes,
      children: members
        .filter((child) => child.parentSpanId === span.spanId)
        .sort((a, b) => a.startTimeMs - b.startTimeMs)
        .map(node),
    });
    // Roots: no parent, or a parent this store does not hold (a remote caller, or one already dropped).
    const roots = members
      .filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId))
      .sort((a, b) => a.startTimeMs - b.startTimeMs)
      .map(node);
    traces.push({
      traceId,
      name: roots[0]?.name ?? members[0]!.name,
      startTime: new Date(start).toISOString(),
      durationMs: round(end - start),
      status: members.some((span) => span.status === 'error')
        ? 'error'
        : members.some((span) => span.status === 'ok')
          ? 'ok'
          : 'unset',
      spanCount: members.length,
      spans: roots,
    });
  }
  return traces
    .filter((trace) => trace.durationMs >= (query.minDurationMs ?? 0))
    .sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime) || b.durationMs - a.durationMs)
    .slice(0, query.limit ?? Infinity);
}

/** The attributes worth a glance, first those that say what the span did. */
const KEY_ATTRIBUTES = [
  'http.response.status_code',
  'http.route',
  'mcp.tool.name',
  'mcp.tool.outcome',
  'db.query.text',
  'db.statement',
  'job.queue',
  'job.id',
  'workflow.step',
  'webhook.message.id',
  'url.path',
];

function keyAttributes(attributes: Record<string, SpanAttributeValue>): string {
  const keys = [
    ...KEY_ATTRIBUTES.filter((key) => key in attributes),
    ...Object.keys(attributes).filter((key) => !KEY_ATTRIBUTES.includes(key)),
  ].slice(0, 3);
  return keys
    .map((key) => {
      const value = String(attributes[key]).replace(/\s+/g, ' ');
      return `${key}=${value.length > 60 ? `${value.slice(0, 59)}…` : value}`;
    })
    .join(' ');
}

const ms = (value: number) => (value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);

/** The traces as indented trees: a heading line per trace, one line per span. */
export function renderTraces(traces: readonly TraceView[]): string {
  const lines: string[] = [];
  const walk = (span: SpanNode, depth: number) => {
    const status =
      span.status === 'error' ? `ERROR${span.statusMessage ? ` (${span.statusMessage})` : ''}` : span.status;
    const attributes = keyAttributes(span.attributes);
    lines.push(
      `${'  '.repeat(depth)}${span.name}  ${ms(span.durationMs)}  +${ms(span.offsetMs)}  ${status}${attributes ? `  ${attributes}` : ''}`,
    );
    for (const child of span.children) walk(child, depth + 1);
  };
  for (const trace of traces) {
    lines.push(
      `trace ${trace.traceId}  ${trace.startTime}  ${ms(trace.durationMs)}  ${trace.spanCount} span${trace.spanCount === 1 ? '' : 's'}  ${trace.status}`,
    );
    for (const root of trace.spans) walk(root, 1);
    lines.push('');
  }
  return lines.join('\n');
}
