import {BaseModule, packageVersionOf, readServerState, rowCountGauge, type ModuleContext} from '@systemprompt/core';
import {DATABASE} from '@systemprompt/database';
import {MONITOR_ENTITIES} from './entities.js';
import type {MonitorConfig} from './generated/config.js';
import {addMonitorRoutes} from './routes.js';
import {AlertService} from './services/alerts.js';
import {Evaluator} from './services/evaluator.js';
import {ObserverService} from './services/observer.js';
import {RuleService} from './services/rules.js';
import {ServerLink} from './services/server-link.js';

export type {MonitorConfig} from './generated/config.js';
export {
  RuleService,
  RULE_LIST_FIELDS,
  SEVERITIES,
  conditionText,
  type RuleInput,
  type RuleView,
  type Severity,
} from './services/rules.js';
export {
  AlertService,
  ALERT_LIST_FIELDS,
  ALERT_STATES,
  type AlertEventPayload,
  type AlertState,
  type AlertView,
} from './services/alerts.js';
export {Evaluator, type RuleOutcome} from './services/evaluator.js';
export {ObserverService, type MetricsReading, type StatusView, type TracesResult} from './services/observer.js';
export {parseSelector, compileSelector, formatSelector, type Selector, type Matcher} from './selector.js';
export {evaluateRule, counterIncrease, counterRate, parseDuration, type Snapshot} from './series.js';
export {buildTraces, renderTraces, type TraceView, type SpanNode} from './traces.js';

/** What the monitor module publishes (to its commands). */
export interface MonitorApi {
  config: MonitorConfig;
  rules: RuleService;
  alerts: AlertService;
  observer: ObserverService;
  evaluator: Evaluator;
}

export class MonitorModule extends BaseModule<MonitorConfig> {
  readonly name = 'monitor';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private api: MonitorApi | undefined;

  override async initialize(context: ModuleContext<MonitorConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger, metrics} = context;
    const db = await context.services.get(DATABASE).forModule(context, MONITOR_ENTITIES);
    const access = await context.access();
    const rules = new RuleService(db, access, events, config.historyMinutes * 60_000);
    const alerts = new AlertService(db, access, events);
    const link = new ServerLink(context.systemPaths.data);
    const observer = new ObserverService(db, access, rules, alerts, metrics, link, config.evaluateSeconds);
    const evaluator = new Evaluator(
      db,
      rules,
      events,
      metrics,
      {...config, serverId: () => serverIdOf(context.systemPaths.data)},
      logger,
    );
    rowCountGauge(metrics, {
      name: 'alerts',
      help: 'Open alerts by state (firing, acked), counted at each scrape.',
      label: 'state',
      known: ['firing', 'acked'],
      count: async () =>
        (
          await db.manager.query<Array<{state: string; n: number | string}>>(
            `SELECT state, COUNT(*) AS n FROM monitor_alerts WHERE state IN ('firing', 'acked') GROUP BY state`,
          )
        ).map((row) => [row.state, row.n] as const),
    });
    addMonitorRoutes(context.http, observer);
    this.api = {config, rules, alerts, observer, evaluator};
    context.provide<MonitorApi>(this.api);
  }

  /** Only the server starts modules: it publishes its figures and, holding the lease, evaluates the rules. */
  override async start(): Promise<void> {
    this.api?.evaluator.start();
  }

  override async stop(): Promise<void> {
    await this.api?.evaluator.stop();
  }
}

/** The server's own id (its heartbeat row's) when this process is the installation's server. */
function serverIdOf(dataDirectory: string): string | undefined {
  const state = readServerState(dataDirectory);
  return state?.pid === process.pid ? state.serverId : undefined;
}

export default (): MonitorModule => new MonitorModule();
export {MONITOR} from './token.js';
