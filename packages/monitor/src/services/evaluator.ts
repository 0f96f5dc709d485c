import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import {
  newSortableId,
  parsePrometheusText,
  type EventBus,
  type Logger,
  type ModuleMetrics,
  type Sample,
} from '@systemprompt/core';
import {changedRows, isUniqueViolation, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {Alert, Lease, Rule, Snapshot, type AlertRow, type RuleRow} from '../entities.js';
import {compileSelector, parseSelector, type CompiledSelector} from '../selector.js';
import {evaluateRule, samplesFor, type RuleFunction, type Snapshot as PublishedSnapshot} from '../series.js';
import {alertPayload} from './alerts.js';
import type {RuleService} from './rules.js';

const LEASE_ID = 'evaluator';
/** Snapshot rows of servers that stopped publishing are deleted after this long. */
const STALE_SNAPSHOT_MS = 3_600_000;

interface ActiveRule {
  row: RuleRow;
  selector: CompiledSelector;
}

/** What one evaluation found for a rule (for tests and monitor:status). */
export interface RuleOutcome {
  rule: string;
  value: number | undefined;
  state: 'ok' | 'pending' | 'firing' | 'nodata';
  transition?: 'fired' | 'resolved';
}

export interface EvaluatorOptions {
  evaluateSeconds: number;
  historyMinutes: number;
  /** The id this server goes by (its heartbeat row's), asked at start; else one made up. */
  serverId?: () => string | undefined;
}

/**
 * The server side of alerting. Every interval each server publishes its own figures — the samples of
 * the metrics that enabled rules name, not the whole registry — as one row of monitor_snapshots; and
 * exactly one server of the database evaluates: the one holding the lease row of monitor_evaluator,
 * taken or renewed with one conditional UPDATE (mine, or expired). The evaluator reads the fresh
 * snapshots of every server, keeps the history that rate, increase and `for` need in memory (a new
 * evaluator warms up), and writes the alerts' transitions with their events in one transaction.
 */
export class Evaluator {
  private id = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`.slice(0, 100);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private leader = false;
  /** Published snapshots seen, per server, oldest first. */
  private readonly history = new Map<string, PublishedSnapshot[]>();
  /** Since when each rule's condition holds (by rule id and version: a changed rule starts again). */
  private readonly pending = new Map<string, number>();
  private lastPrune = 0;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly rules: RuleService,
    private readonly events: EventBus,
    private readonly metrics: ModuleMetrics,
    private readonly options: EvaluatorOptions,
    private readonly logger: Logger,
  ) {}

  /** The id under which this server publishes and holds the lease. */
  get serverId(): string {
    return this.id;
  }

  get intervalMs(): number {
    return this.options.evaluateSeconds * 1000;
  }

  /** Whether this server held the lease at its last evaluation. */
  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.id = this.options.serverId?.()?.slice(0, 100) ?? this.id;
    const tick = () => {
      this.running ??= this.tick()
        .catch((error: unknown) => this.logger.warn({err: error}, 'evaluating the alert rules failed'))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  /** Stops evaluating, hands the lease back (another server takes over at once) and withdraws its snapshot. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await changedRows(this.db.manager, 'UPDATE monitor_evaluator SET expires_at = 0 WHERE id = ? AND owner = ?', [
      LEASE_ID,
      this.serverId,
    ]).catch((error: unknown) => this.logger.warn({err: error}, 'could not hand back the evaluator lease'));
    await this.db
      .repository(Snapshot)
      .delete({serverId: this.serverId})
      .catch((error: unknown) => this.logger.warn({err: error}, 'could not withdraw the metrics snapshot'));
    this.leader = false;
  }

  /** One interval: publish, take or renew the lease, and evaluate if it is ours. */
  async tick(now = Date.now()): Promise<RuleOutcome[]> {
    const active = activeRules(await this.rules.enabledRules(), this.logger);
    await this.publish(active, now);
    const leader = await this.takeLease(now);
    if (leader !== this.leader)
      this.logger.info(
        {serverId: this.serverId},
        leader ? 'this server evaluates the alert rules' : 'another server evaluates the alert rules',
      );
    this.leader = leader;
    if (!leader) {
      // What an evaluator keeps is only good while it evaluates; the next turn starts warm-up afresh.
      this.history.clear();
      this.pending.clear();
      return [];
    }
    return this.evaluate(active, now);
  }

  /** This server's figures for the enabled rules, replacing its previous snapshot. */
  private async publish(active: readonly ActiveRule[], now: number): Promise<void> {
    const names = [...new Set(active.map((rule) => rule.selector.name))];
    let samples: Sample[] = [];
    if (names.length > 0) {
      const families = parsePrometheusText(await this.metrics.exposition());
      samples = samplesFor(
        families.flatMap((family) => family.samples),
        active.map((rule) => rule.selector),
      ).filter((sample) => Number.isFinite(sample.value));
    }
    const body = JSON.stringify({names, samples});
    const repository = this.db.repository(Snapshot);
    const updated = await changedRows(
      this.db.manager,
      'UPDATE monitor_snapshots SET taken_at = ?, samples = ? WHERE server_id = ?',
      [now, body, this.serverId],
    );
    if (updated > 0) return;
    await repository.insert({serverId: this.serverId, takenAt: now, samples: body}).catch(async (error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      await repository.update({serverId: this.serverId}, {takenAt: now, samples: body});
    });
  }

  /** Takes the lease if it is free or expired, or renews ours: one conditional UPDATE, on both engines. */
  private async takeLease(now: number): Promise<boolean> {
    const expiresAt = now + 3 * this.intervalMs;
    const taken = await changedRows(
      this.db.manager,
      'UPDATE monitor_evaluator SET owner = ?, expires_at = ? WHERE id = ? AND (owner = ? OR expires_at < ?)',
      [this.serverId, expiresAt, LEASE_ID, this.serverId, now],
    );
    if (taken > 0) return true;
    const lease = this.db.repository(Lease);
    if (await lease.existsBy({id: LEASE_ID})) return false;
    try {
      await lease.insert({id: LEASE_ID, owner: this.serverId, expiresAt});
      return true;
    } catch (error) {
      // Another server made the row at the same moment: it holds the lease.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Reads the new snapshots of every server, evaluates each rule, and writes the transitions. */
  private async evaluate(active: readonly ActiveRule[], now: number): Promise<RuleOutcome[]> {
    await this.readSnapshots(now);
    const snapshots = [...this.history.values()].flat();
    const freshMs = 3 * this.intervalMs;
    const values = active.map((rule) => ({
      rule,
      value: evaluateRule(
        {
          selector: rule.selector,
          function: rule.row.function as RuleFunction,
          windowMs: rule.row.windowMs === null ? null : Number(rule.row.windowMs),
        },
        snapshots,
        now,
        freshMs,
      ).value,
    }));
    return this.db.transaction(async (manager) => {
      const open = await manager
        .getRepository(Alert)
        .createQueryBuilder('a')
        .where('a.state IN (:...states)', {states: ['firing', 'acked']})
        .getMany();
      const openByRule = new Map(open.map((alert) => [alert.ruleId, alert]));
      const outcomes: RuleOutcome[] = [];
      for (const {rule, value} of values)
        outcomes.push(await this.decide(manager, rule.row, value, openByRule.get(rule.row.id), now));
      // Open alerts of rules that are disabled or removed now.
      const evaluated = new Set(active.map((rule) => rule.row.id));
      for (const alert of open.filter((each) => !evaluated.has(each.ruleId)))
        await this.resolve(manager, alert, Number(alert.lastValue), now, 'the rule was disabled or removed');
      return outcomes;
    });
  }

  private async decide(
    manager: EntityManager,
    row: RuleRow,
    value: number | undefined,
    open: AlertRow | undefined,
    now: number,
  ): Promise<RuleOutcome> {
    const key = `${row.id}:${row.version}`;
    const outcome: RuleOutcome = {rule: row.name, value, state: 'nodata'};
    if (value === undefined) {
      // No data says nothing: an open alert stays as it is, a pending condition starts again.
      this.pending.delete(key);
      if (open) outcome.state = 'firing';
    } else if (row.comparison === 'above' ? value > Number(row.threshold) : value < Number(row.threshold)) {
      if (open) {
        outcome.state = 'firing';
        if (Number(open.lastValue) !== value)
          await manager.getRepository(Alert).update({id: open.id}, {lastValue: value, updatedAt: now});
      } else {
        const since = this.pending.get(key) ?? now;
        this.pending.set(key, since);
        if (now - since >= Number(row.forMs)) {
          outcome.state = (await this.fire(manager, row, value, now)) ? 'firing' : 'pending';
          if (outcome.state === 'firing') outcome.transition = 'fired';
          this.pending.delete(key);
        } else outcome.state = 'pending';
      }
    } else {
      this.pending.delete(key);
      outcome.state = 'ok';
      if (open) {
        await this.resolve(manager, open, value, now, 'the condition cleared');
        outcome.transition = 'resolved';
      }
    }
    await manager
      .getRepository(Rule)
      .update({id: row.id}, {lastValue: value ?? null, lastState: outcome.state, evaluatedAt: now});
    return outcome;
  }

  /** A new firing alert and its alert.fired event; false when another evaluator opened one first. */
  private async fire(manager: EntityManager, row: RuleRow, value: number, now: number): Promise<boolean> {
    const alert: AlertRow = {
      id: newSortableId(),
      ruleId: row.id,
      ruleName: row.name,
      state: 'firing',
      openKey: row.id,
      severity: row.severity,
      selector: row.selector,
      function: row.function,
      windowMs: row.windowMs === null ? null : Number(row.windowMs),
      comparison: row.comparison,
      threshold: Number(row.threshold),
      value,
      lastValue: value,
      firedAt: now,
      ackedAt: null,
      ackedBy: null,
      resolvedAt: null,
      resolution: null,
      updatedAt: now,
    };
    try {
      await manager.getRepository(Alert).insert(alert);
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
    await this.events.emit('alert.fired', alertPayload(alert), {transaction: manager, subject: row.name});
    this.logger.warn({alert: alert.id, rule: row.name, value, severity: row.severity}, `alert ${row.name} fired`);
    return true;
  }

  private async resolve(
    manager: EntityManager,
    alert: AlertRow,
    value: number,
    now: number,
    why: string,
  ): Promise<void> {
    const resolution = `${why} (value ${value})`.slice(0, 200);
    const changed = await changedRows(
      manager,
      `UPDATE monitor_alerts SET state = 'resolved', open_key = NULL, last_value = ?, resolved_at = ?, resolution = ?, updated_at = ? WHERE id = ? AND state IN ('firing', 'acked')`,
      [value, now, resolution, now, alert.id],
    );
    if (changed === 0) return;
    const resolved: AlertRow = {
      ...alert,
      state: 'resolved',
      openKey: null,
      lastValue: value,
      resolvedAt: now,
      resolution,
    };
    await this.events.emit('alert.resolved', alertPayload(resolved), {transaction: manager, subject: alert.ruleName});
    this.logger.info({alert: alert.id, rule: alert.ruleName, value}, `alert ${alert.ruleName} resolved`);
  }

  /** Adds the snapshots published since the last reading to the history; forgets what is too old. */
  private async readSnapshots(now: number): Promise<void> {
    const historyMs = this.options.historyMinutes * 60_000;
    const rows = await this.db.repository(Snapshot).find();
    for (const row of rows) {
      const takenAt = Number(row.takenAt);
      const list = this.history.get(row.serverId) ?? [];
      if (list.length > 0 && list.at(-1)!.takenAt >= takenAt) continue;
      try {
        const {names, samples} = JSON.parse(row.samples) as {names: string[]; samples: Sample[]};
        list.push({server: row.serverId, takenAt, names, samples});
        this.history.set(row.serverId, list);
      } catch (error) {
        this.logger.warn({err: error, server: row.serverId}, 'a metrics snapshot is not readable');
      }
    }
    for (const [server, list] of this.history) {
      // A little more than the history: the window's baseline point lies just before it.
      const kept = list.filter((snapshot) => snapshot.takenAt >= now - historyMs - 3 * this.intervalMs);
      if (kept.length === 0) this.history.delete(server);
      else this.history.set(server, kept);
    }
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      await changedRows(this.db.manager, 'DELETE FROM monitor_snapshots WHERE taken_at < ?', [now - STALE_SNAPSHOT_MS]);
    }
  }
}

/** The enabled rules with their selectors compiled; a rule whose stored selector no longer parses is skipped. */
function activeRules(rows: readonly RuleRow[], logger: Logger): ActiveRule[] {
  const active: ActiveRule[] = [];
  for (const row of rows) {
    try {
      active.push({row, selector: compileSelector(parseSelector(row.selector))});
    } catch (error) {
      logger.warn({err: error, rule: row.name}, `alert rule ${row.name} has a selector that does not parse: skipped`);
    }
  }
  return active;
}
