import {
  conflict,
  notFound,
  type AccessProvider,
  type Actor,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {changedRows, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import {Alert, type AlertRow} from '../entities.js';
import {formatDuration} from '../series.js';
import {conditionText} from './rules.js';

export const ALERT_STATES = ['firing', 'acked', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** An alert as commands show it. */
export interface AlertView {
  id: string;
  rule: string;
  state: AlertState;
  severity: string;
  condition: string;
  /** The value that fired it. */
  value: number;
  /** The newest value seen while it was open (the value when it resolved, once resolved). */
  lastValue: number;
  threshold: number;
  firedAt: string;
  ackedAt: string | null;
  ackedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
}

/** What alert.fired, alert.acked and alert.resolved carry (a webhook on alert.* receives it as `data`). */
export interface AlertEventPayload {
  alertId: string;
  rule: string;
  severity: string;
  state: AlertState;
  value: number;
  threshold: number;
  comparison: string;
  selector: string;
  function: string;
  window: string | null;
  condition: string;
  firedAt: string;
  ackedBy?: string;
  resolvedAt?: string;
  resolution?: string;
}

export const ALERT_LIST_FIELDS = ['id', 'rule', 'state', 'severity', 'firedAt', 'resolvedAt'] as const;
const ALERT_LIST: ListPlan = {
  fields: {
    id: 'a.id',
    rule: 'a.rule_name',
    state: 'a.state',
    severity: 'a.severity',
    firedAt: {sql: 'a.fired_at', kind: 'number'},
    resolvedAt: {sql: 'a.resolved_at', kind: 'number'},
  },
  searchable: ['rule'],
  order: [
    ['firedAt', 'desc'],
    ['id', 'desc'],
  ],
};

const iso = (millis: number | string | null) => (millis === null ? null : new Date(Number(millis)).toISOString());

export function alertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    rule: row.ruleName,
    state: row.state as AlertState,
    severity: row.severity,
    condition: conditionText(row),
    value: Number(row.value),
    lastValue: Number(row.lastValue),
    threshold: Number(row.threshold),
    firedAt: iso(row.firedAt)!,
    ackedAt: iso(row.ackedAt),
    ackedBy: row.ackedBy,
    resolvedAt: iso(row.resolvedAt),
    resolution: row.resolution,
  };
}

export function alertPayload(row: AlertRow): AlertEventPayload {
  return {
    alertId: row.id,
    rule: row.ruleName,
    severity: row.severity,
    state: row.state as AlertState,
    value: Number(row.state === 'resolved' ? row.lastValue : row.value),
    threshold: Number(row.threshold),
    comparison: row.comparison,
    selector: row.selector,
    function: row.function,
    window: row.windowMs === null ? null : formatDuration(Number(row.windowMs)),
    condition: conditionText({...row, forMs: 0}),
    firedAt: iso(row.firedAt)!,
    ...(row.ackedBy ? {ackedBy: row.ackedBy} : {}),
    ...(row.resolvedAt !== null ? {resolvedAt: iso(row.resolvedAt)!} : {}),
    ...(row.resolution ? {resolution: row.resolution} : {}),
  };
}

/**
 * Alerts, as the evaluator writes them: one row per firing episode of a rule. Reading takes
 * monitor:read; acknowledging takes monitor:write. An acked alert stays acked (no new alert, no new
 * event) until its condition clears; then the evaluator resolves it.
 */
export class AlertService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
  ) {}

  private get repository() {
    return this.db.repository(Alert);
  }

  async list(actor: Actor, query: ListQuery, state?: AlertState): Promise<ListResult<AlertView>> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.alerts.list');
    const builder = this.repository.createQueryBuilder('a');
    if (state) builder.where('a.state = :state', {state});
    const page = await queryList(builder, query, ALERT_LIST);
    return {...page, items: page.items.map(alertView)};
  }

  /** The firing and acked alerts, newest first. */
  async open(actor: Actor): Promise<AlertView[]> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.alerts.list');
    const rows = await this.repository
      .createQueryBuilder('a')
      .where('a.state IN (:...states)', {states: ['firing', 'acked']})
      .orderBy('a.fired_at', 'DESC')
      .getMany();
    return rows.map(alertView);
  }

  /**
   * Acknowledges a firing alert (by whom, when) with an alert.acked event. Acking an acked alert
   * changes nothing; a resolved one is a conflict (exit 5).
   */
  async ack(actor: Actor, id: string): Promise<AlertView & {changed: boolean}> {
    await this.access.authorize(actor, 'monitor:write', 'monitor.alerts.ack', id);
    const row = await this.repository.findOneBy({id});
    if (!row) throw alertNotFound(id);
    if (row.state === 'resolved') throw alertResolved(row);
    if (row.state === 'acked') return {...alertView(row), changed: false};
    const now = Date.now();
    const acked: AlertRow = {...row, state: 'acked', ackedAt: now, ackedBy: actor.label, updatedAt: now};
    await this.db.transaction(async (manager) => {
      // Only a firing alert: the evaluator may have resolved it a moment ago.
      const changed = await changedRows(
        manager,
        `UPDATE monitor_alerts SET state = 'acked', acked_at = ?, acked_by = ?, updated_at = ? WHERE id = ? AND state = 'firing'`,
        [now, actor.label, now, id],
      );
      if (changed === 0) {
        const current = await manager.getRepository(Alert).findOneBy({id});
        if (current?.state === 'resolved') throw alertResolved(current);
        return;
      }
      await this.events.emit('alert.acked', alertPayload(acked), {transaction: manager, subject: row.ruleName, actor});
    });
    await this.access.record(actor, {
      action: 'monitor.alerts.ack',
      target: id,
      result: 'ok',
      permission: 'monitor:write',
      details: {rule: row.ruleName},
    });
    return {...alertView(acked), changed: true};
  }
}

const alertNotFound = (id: string) =>
  notFound(`No alert ${id}`, {code: 'ALERT_NOT_FOUND', details: {id}, hint: 'See monitor:alerts:list.'});

const alertResolved = (row: AlertRow) =>
  conflict(`Alert ${row.id} (${row.ruleName}) is resolved already: there is nothing to acknowledge`, {
    code: 'ALERT_RESOLVED',
    details: {id: row.id, rule: row.ruleName, resolvedAt: iso(row.resolvedAt)},
    hint: 'See the open ones with monitor:alerts:list --state firing.',
  });
