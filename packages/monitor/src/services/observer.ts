import {
  keyFigures,
  parsePrometheusText,
  tracing,
  unavailable,
  type AccessProvider,
  type Actor,
  type FinishedSpan,
  type KeyFigure,
  type MetricFamily,
  type ModuleMetrics,
  type ServerState,
} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Lease, Snapshot} from '../entities.js';
import {filterFamilies} from '../exposition.js';
import {buildTraces, type TraceQuery, type TraceView} from '../traces.js';
import type {AlertService, AlertView} from './alerts.js';
import type {RuleService} from './rules.js';
import type {ServerLink} from './server-link.js';

/** Where figures came from: the running server, or this process's own registry (no server runs). */
export interface MetricsReading {
  source: 'server' | 'process';
  /** The server's URL when it answered. */
  url: string | null;
  takenAt: string;
  /** The figures a person looks at first (core's keyFigures), from the server's whole reading; none from a process. */
  keyFigures: KeyFigure[];
  text: string;
  families: MetricFamily[];
}

export interface StatusView {
  server: {running: boolean; url: string | null; figures: KeyFigure[]; note?: string};
  rules: {total: number; enabled: number};
  alerts: {firing: number; acked: number; open: AlertView[]};
  evaluator: {owner: string | null; leaseExpiresAt: string | null; publishingServers: number};
}

/** What the server's /api/monitor/traces answers. */
export interface SpansReply {
  enabled: boolean;
  spans: FinishedSpan[];
}

export interface TracesResult {
  /** Whether the server records traces at all. */
  enabled: boolean;
  url: string;
  traces: TraceView[];
}

const notRunning = () =>
  unavailable('No server of this installation is running: traces live in the server process', {
    code: 'MONITOR_SERVER_NOT_RUNNING',
    hint: 'Start one with system:start.',
  });

/**
 * What monitor:status, monitor:metrics, monitor:traces and monitor:export read (monitor:read each): the
 * running server's figures and traces, reached with the local server token; the rules and alerts
 * from the database. In the server, the same service answers the traces route from its span store.
 */
export class ObserverService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly rules: RuleService,
    private readonly alerts: AlertService,
    private readonly metrics: ModuleMetrics,
    private readonly link: ServerLink,
    private readonly evaluateSeconds: number,
  ) {}

  /**
   * The figures of the running server, or, with no server, of this process: `local` prepares this
   * process's registry first (the command boots every module over a real registry), and the reading
   * says `source: 'process'`. `filter` (a selector, or a piece of a sample name) keeps only what
   * it matches in `families`; `text` is the exposition as served.
   */
  async metricsReading(
    actor: Actor,
    options: {filter?: string; local?: () => Promise<void>} = {},
  ): Promise<MetricsReading> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.metrics');
    // A bad selector is exit 2 before anything is asked of the server.
    filterFamilies([], options.filter);
    const server = this.link.running();
    let text: string;
    if (server) text = await (await this.link.get(server, '/metrics')).text();
    else {
      await options.local?.();
      text = await this.metrics.exposition();
    }
    const families = parsePrometheusText(text);
    return {
      source: server ? 'server' : 'process',
      url: server?.url ?? null,
      takenAt: new Date().toISOString(),
      keyFigures: server ? keyFigures(families) : [],
      text,
      families: filterFamilies(families, options.filter),
    };
  }

  async status(actor: Actor): Promise<StatusView> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.status');
    const server = this.link.running();
    let figures: KeyFigure[] = [];
    let note: string | undefined;
    if (server) {
      try {
        figures = keyFigures(parsePrometheusText(await (await this.link.get(server, '/metrics', 5000)).text()));
      } catch (error) {
        note = `The server at ${server.url} did not give its metrics: ${(error as Error).message}`;
      }
    } else note = 'No server of this installation is running (start one with system:start): no live figures.';
    const [rules, open, lease, snapshots] = await Promise.all([
      this.rules.count(actor),
      this.alerts.open(actor),
      this.db.repository(Lease).findOneBy({id: 'evaluator'}),
      this.db.repository(Snapshot).find({select: {serverId: true, takenAt: true}}),
    ]);
    const now = Date.now();
    const fresh = snapshots.filter((row) => Number(row.takenAt) >= now - 3 * this.evaluateSeconds * 1000);
    const held = lease && Number(lease.expiresAt) > now;
    return {
      server: {running: Boolean(server), url: server?.url ?? null, figures, ...(note ? {note} : {})},
      rules,
      alerts: {
        firing: open.filter((alert) => alert.state === 'firing').length,
        acked: open.filter((alert) => alert.state === 'acked').length,
        open,
      },
      evaluator: {
        owner: held ? lease.owner : null,
        leaseExpiresAt: held ? new Date(Number(lease.expiresAt)).toISOString() : null,
        publishingServers: fresh.length,
      },
    };
  }

  /** In the server: the spans its store keeps (the traces route). */
  async spans(actor: Actor, sinceMs: number | undefined): Promise<SpansReply> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.traces');
    const tracer = tracing();
    return {enabled: tracer.enabled, spans: tracer.recentSpans(sinceMs === undefined ? {} : {sinceMs})};
  }

  /** In the server: the same spans as an OTLP/JSON ExportTraceServiceRequest. */
  async otlp(actor: Actor, sinceMs: number | undefined): Promise<unknown> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.traces');
    return tracing().recentOtlp(sinceMs === undefined ? {} : {sinceMs});
  }

  /** From the CLI: the running server's recent traces as trees (exit 6 when no server runs). */
  async traces(actor: Actor, query: TraceQuery & {sinceMs?: number}): Promise<TracesResult> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.traces');
    const server = this.requireServer();
    const reply = (await (
      await this.link.get(server, `/api/monitor/traces${since(query.sinceMs)}`)
    ).json()) as SpansReply;
    return {enabled: reply.enabled, url: server.url, traces: buildTraces(reply.spans, query)};
  }

  /** From the CLI: the running server's recent spans as OTLP/JSON. */
  async tracesOtlp(actor: Actor, sinceMs: number | undefined): Promise<unknown> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.traces');
    const server = this.requireServer();
    return (await this.link.get(server, `/api/monitor/traces/otlp${since(sinceMs)}`)).json();
  }

  private requireServer(): ServerState {
    const server = this.link.running();
    if (!server) throw notRunning();
    return server;
  }
}

const since = (sinceMs: number | undefined) => (sinceMs === undefined ? '' : `?since=${Math.floor(sinceMs)}`);
