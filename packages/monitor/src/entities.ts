import {EntitySchema} from '@systemprompt/database/schema';

/** An alert rule. Times are milliseconds since the epoch on both engines. */
export interface RuleRow {
  id: string;
  /** Unique, lower-kebab. */
  name: string;
  /** The PromQL selector as written (checked when stored). */
  selector: string;
  /** value | rate | increase */
  function: string;
  /** The window of rate and increase; null for value. */
  windowMs: number | null;
  /** above | below */
  comparison: string;
  threshold: number;
  /** How long the condition must hold before the alert fires. */
  forMs: number;
  /** info | warning | critical */
  severity: string;
  description: string | null;
  enabled: boolean;
  version: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  /** What the evaluator found last (not part of the rule: no version change). */
  lastValue: number | null;
  /** ok | pending | firing | nodata */
  lastState: string | null;
  evaluatedAt: number | null;
}

/** One firing episode of a rule: firing → acked → resolved. */
export interface AlertRow {
  id: string;
  ruleId: string;
  ruleName: string;
  /** firing | acked | resolved */
  state: string;
  /** The rule's id while the alert is open, null once resolved: a unique key, so a rule has one open alert. */
  openKey: string | null;
  severity: string;
  selector: string;
  function: string;
  windowMs: number | null;
  comparison: string;
  threshold: number;
  /** The value that fired it. */
  value: number;
  /** The newest value the evaluator saw while it was open. */
  lastValue: number;
  firedAt: number;
  ackedAt: number | null;
  ackedBy: string | null;
  resolvedAt: number | null;
  /** Why it was resolved: the condition cleared, or the rule was disabled or removed. */
  resolution: string | null;
  updatedAt: number;
}

/** The newest figures one server published (one row per server, replaced each interval). */
export interface SnapshotRow {
  serverId: string;
  takenAt: number;
  /** JSON {names, samples}. */
  samples: string;
}

/** The evaluator lease: one row; the server that holds it (and renews it in time) evaluates. */
export interface LeaseRow {
  id: string;
  owner: string;
  expiresAt: number;
}

const varchar = (length: number, nullable = false) => ({type: 'varchar' as const, length, nullable});
const millis = (name: string, nullable = false) => ({type: 'bigint' as const, name, nullable});
const double = (name: string, nullable = false) => ({type: 'double' as const, name, nullable});

export const Rule = new EntitySchema<RuleRow>({
  name: 'MonitorAlertRule',
  tableName: 'monitor_alert_rules',
  columns: {
    id: {...varchar(32), primary: true},
    name: varchar(64),
    selector: varchar(1000),
    function: varchar(12),
    windowMs: millis('window_ms', true),
    comparison: varchar(8),
    threshold: double('threshold'),
    forMs: millis('for_ms'),
    severity: varchar(12),
    description: varchar(500, true),
    enabled: {type: 'boolean'},
    version: {type: 'integer'},
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
    createdBy: {...varchar(320), name: 'created_by'},
    lastValue: double('last_value', true),
    lastState: {...varchar(12, true), name: 'last_state'},
    evaluatedAt: millis('evaluated_at', true),
  },
});

export const Alert = new EntitySchema<AlertRow>({
  name: 'MonitorAlert',
  tableName: 'monitor_alerts',
  columns: {
    id: {...varchar(32), primary: true},
    ruleId: {...varchar(32), name: 'rule_id'},
    ruleName: {...varchar(64), name: 'rule_name'},
    state: varchar(12),
    openKey: {...varchar(32, true), name: 'open_key'},
    severity: varchar(12),
    selector: varchar(1000),
    function: varchar(12),
    windowMs: millis('window_ms', true),
    comparison: varchar(8),
    threshold: double('threshold'),
    value: double('value'),
    lastValue: double('last_value'),
    firedAt: millis('fired_at'),
    ackedAt: millis('acked_at', true),
    ackedBy: {...varchar(320, true), name: 'acked_by'},
    resolvedAt: millis('resolved_at', true),
    resolution: varchar(200, true),
    updatedAt: millis('updated_at'),
  },
});

export const Snapshot = new EntitySchema<SnapshotRow>({
  name: 'MonitorSnapshot',
  tableName: 'monitor_snapshots',
  columns: {
    serverId: {...varchar(100), name: 'server_id', primary: true},
    takenAt: millis('taken_at'),
    samples: {type: 'text'},
  },
});

export const Lease = new EntitySchema<LeaseRow>({
  name: 'MonitorEvaluatorLease',
  tableName: 'monitor_evaluator',
  columns: {
    id: {...varchar(32), primary: true},
    owner: varchar(100),
    expiresAt: millis('expires_at'),
  },
});

export const MONITOR_ENTITIES = [Rule, Alert, Snapshot, Lease];
