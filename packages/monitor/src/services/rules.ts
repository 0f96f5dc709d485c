import {
  conflict,
  invalidInput,
  newSortableId,
  notFound,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {isUniqueViolation, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import {Rule, type RuleRow} from '../entities.js';
import {formatSelector, parseSelector} from '../selector.js';
import {RULE_FUNCTIONS, formatDuration, parseDuration, type RuleFunction} from '../series.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** The window rate and increase take when none is given. */
export const DEFAULT_WINDOW_MS = 5 * 60_000;
const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 24 * 3_600_000;

/** A rule as commands and the API show it. */
export interface RuleView {
  name: string;
  /** The whole rule in PromQL terms: `sum(rate(x[1m])) > 0.5 for 30s`. */
  condition: string;
  selector: string;
  function: RuleFunction;
  window: string | null;
  comparison: 'above' | 'below';
  threshold: number;
  for: string;
  severity: Severity;
  description: string | null;
  enabled: boolean;
  /** What the evaluator found last: ok, pending (holding, not yet for long enough), firing, nodata. */
  state: string | null;
  value: number | null;
  evaluatedAt: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
}

/** What add and update take (strings as typed; the service checks them all). */
export interface RuleInput {
  selector?: string;
  function?: string;
  window?: string;
  above?: number;
  below?: number;
  for?: string;
  severity?: string;
  description?: string | null;
  enabled?: boolean;
}

export const RULE_LIST_FIELDS = ['name', 'function', 'severity', 'enabled', 'state', 'createdAt'] as const;
const RULE_LIST: ListPlan = {
  fields: {
    name: 'r.name',
    function: 'r.function',
    severity: 'r.severity',
    enabled: {sql: 'r.enabled', kind: 'number'},
    state: 'r.last_state',
    createdAt: {sql: 'r.created_at', kind: 'number'},
  },
  searchable: ['name', 'description'],
  order: [['name', 'asc']],
};

const iso = (millis: number | string | null) => (millis === null ? null : new Date(Number(millis)).toISOString());

/** `sum(rate(sel[1m])) > 0.5`, the rule's condition as PromQL would say it. */
export function conditionText(
  row: Pick<RuleRow, 'selector' | 'function' | 'windowMs' | 'comparison' | 'threshold'> & {forMs?: number},
): string {
  const window = row.windowMs === null ? '' : `[${formatDuration(Number(row.windowMs))}]`;
  const inner = row.function === 'value' ? row.selector : `${row.function}(${row.selector}${window})`;
  const sign = row.comparison === 'above' ? '>' : '<';
  const held = Number(row.forMs ?? 0) > 0 ? ` for ${formatDuration(Number(row.forMs))}` : '';
  return `sum(${inner}) ${sign} ${Number(row.threshold)}${held}`;
}

export function ruleView(row: RuleRow): RuleView {
  return {
    name: row.name,
    condition: conditionText(row),
    selector: row.selector,
    function: row.function as RuleFunction,
    window: row.windowMs === null ? null : formatDuration(Number(row.windowMs)),
    comparison: row.comparison as 'above' | 'below',
    threshold: Number(row.threshold),
    for: formatDuration(Number(row.forMs)),
    severity: row.severity as Severity,
    description: row.description,
    enabled: Boolean(row.enabled),
    state: row.lastState,
    value: row.lastValue === null ? null : Number(row.lastValue),
    evaluatedAt: iso(row.evaluatedAt),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    createdBy: row.createdBy,
  };
}

const ruleInvalid = (message: string, hint?: string) =>
  invalidInput(message, {code: 'MONITOR_RULE_INVALID', ...(hint ? {hint} : {})});

export const ruleNotFound = (name: string) =>
  notFound(`No alert rule ${name}`, {
    code: 'MONITOR_RULE_NOT_FOUND',
    details: {name},
    hint: 'See monitor:alerts:config list.',
  });

/** A rule name: lower-kebab, up to 64 characters. */
export function checkRuleName(name: string): string {
  if (!NAME.test(name) || name.length > 64)
    throw ruleInvalid(
      `Rule name ${JSON.stringify(name)} is not lower-kebab (a-z, 0-9 and single dashes, up to 64 characters)`,
      'For example high-5xx-rate.',
    );
  return name;
}

type RuleFields = Pick<
  RuleRow,
  'selector' | 'function' | 'windowMs' | 'comparison' | 'threshold' | 'forMs' | 'severity' | 'description' | 'enabled'
>;

/** The rule's fields after `input` is applied to `base` (a new rule: no base), each checked. */
export function applyRuleInput(
  base: RuleFields | undefined,
  input: RuleInput,
  historyMs: number = MAX_WINDOW_MS,
): RuleFields {
  const selector = input.selector !== undefined ? formatSelector(parseSelector(input.selector)) : base?.selector;
  if (selector === undefined)
    throw ruleInvalid(
      'A rule needs a --selector',
      'For example --selector \'systemprompt_http_request_duration_seconds_count{status=~"5.."}\'.',
    );
  const fn = input.function ?? base?.function ?? 'value';
  if (!RULE_FUNCTIONS.includes(fn as RuleFunction))
    throw ruleInvalid(`--function ${JSON.stringify(fn)} is not one of ${RULE_FUNCTIONS.join(', ')}`);
  let windowMs: number | null;
  if (fn === 'value') {
    if (input.window !== undefined) throw ruleInvalid('--window is for the rate and increase functions only');
    windowMs = null;
  } else {
    windowMs =
      input.window !== undefined
        ? parseDuration(input.window, 'window', {min: MIN_WINDOW_MS, max: MAX_WINDOW_MS})
        : (base?.windowMs ?? DEFAULT_WINDOW_MS);
    // The evaluator keeps historyMinutes of figures: a longer window would silently see less.
    if (Number(windowMs) > historyMs)
      throw ruleInvalid(
        `--window ${formatDuration(Number(windowMs))} is longer than the history the evaluator keeps (${formatDuration(historyMs)})`,
        'Shorten the window, or raise monitor.historyMinutes (config:set monitor.historyMinutes N).',
      );
  }
  if (input.above !== undefined && input.below !== undefined) throw ruleInvalid('Give --above or --below, not both');
  const given = input.above ?? input.below;
  if (given !== undefined && !Number.isFinite(given)) throw ruleInvalid('The threshold must be a finite number');
  const comparison = input.above !== undefined ? 'above' : input.below !== undefined ? 'below' : base?.comparison;
  const threshold = given ?? base?.threshold;
  if (comparison === undefined || threshold === undefined)
    throw ruleInvalid('A rule needs a threshold: --above N or --below N');
  const forMs = input.for !== undefined ? parseDuration(input.for, 'for', {max: MAX_WINDOW_MS}) : (base?.forMs ?? 0);
  const severity = input.severity ?? base?.severity ?? 'warning';
  if (!(SEVERITIES as readonly string[]).includes(severity))
    throw ruleInvalid(`--severity ${JSON.stringify(severity)} is not one of ${SEVERITIES.join(', ')}`);
  const description = input.description !== undefined ? input.description || null : (base?.description ?? null);
  if (description !== null && description.length > 500)
    throw ruleInvalid('The description is longer than 500 characters');
  return {
    selector,
    function: fn,
    windowMs,
    comparison,
    threshold: Number(threshold),
    forMs: Number(forMs),
    severity,
    description,
    enabled: input.enabled ?? (base ? Boolean(base.enabled) : true),
  };
}

const FIELDS = [
  'selector',
  'function',
  'windowMs',
  'comparison',
  'threshold',
  'forMs',
  'severity',
  'description',
  'enabled',
] as const;

/**
 * Alert rules. Reading takes monitor:read, changing monitor:write; every change is one transaction
 * with its monitor.rule.changed event, and audited. The evaluator reads the enabled rules each interval,
 * so a change takes effect at the next evaluation on whichever server evaluates.
 */
export class RuleService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    /** How much history the evaluator keeps (monitor.historyMinutes): the longest window. */
    private readonly historyMs: number = MAX_WINDOW_MS,
  ) {}

  private get repository() {
    return this.db.repository(Rule);
  }

  private async require(name: string): Promise<RuleRow> {
    const row = await this.repository.findOneBy({name});
    if (!row) throw ruleNotFound(name);
    return row;
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<RuleView>> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.rules.list');
    const page = await queryList(this.repository.createQueryBuilder('r'), query, RULE_LIST);
    return {...page, items: page.items.map(ruleView)};
  }

  async get(actor: Actor, name: string): Promise<RuleView> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.rules.show', name);
    return ruleView(await this.require(name));
  }

  /** Every enabled rule (the evaluator's and the publishers' reading; no actor: the server's own work). */
  enabledRules(): Promise<RuleRow[]> {
    return this.repository.find({where: {enabled: true}, order: {name: 'ASC'}});
  }

  async count(actor: Actor): Promise<{total: number; enabled: number}> {
    await this.access.authorize(actor, 'monitor:read', 'monitor.rules.list');
    const [total, enabled] = await Promise.all([this.repository.count(), this.repository.countBy({enabled: true})]);
    return {total, enabled};
  }

  async add(actor: Actor, name: string, input: RuleInput, options: {dryRun?: boolean} = {}): Promise<RuleView> {
    await this.access.authorize(actor, 'monitor:write', 'monitor.rules.add', name);
    checkRuleName(name);
    const fields = applyRuleInput(undefined, input, this.historyMs);
    if (await this.repository.existsBy({name})) throw ruleExists(name);
    const now = Date.now();
    const row: RuleRow = {
      id: newSortableId(),
      name,
      ...fields,
      version: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: actor.label,
      lastValue: null,
      lastState: null,
      evaluatedAt: null,
    };
    if (options.dryRun) return ruleView(row);
    try {
      await this.db.transaction(async (manager) => {
        await manager.getRepository(Rule).insert(row);
        await this.events.emit(
          'monitor.rule.changed',
          {action: 'added', name, condition: conditionText(row), severity: row.severity},
          {transaction: manager, subject: name, actor},
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ruleExists(name);
      throw error;
    }
    await this.audit(actor, 'monitor.rules.add', name, {condition: conditionText(row)});
    return ruleView(row);
  }

  async update(
    actor: Actor,
    name: string,
    input: RuleInput,
    options: {dryRun?: boolean} = {},
  ): Promise<RuleView & {changed: string[]}> {
    await this.access.authorize(actor, 'monitor:write', 'monitor.rules.update', name);
    const row = await this.require(name);
    const next: RuleRow = {...row, ...applyRuleInput(row, input, this.historyMs)};
    const changed = FIELDS.filter((field) => String(next[field]) !== String(row[field])).map((field) =>
      field === 'windowMs' ? 'window' : field === 'forMs' ? 'for' : field,
    );
    if (changed.length === 0 || options.dryRun) return {...ruleView(changed.length ? next : row), changed};
    next.version = Number(row.version) + 1;
    next.updatedAt = Date.now();
    await this.db.transaction(async (manager) => {
      const values = Object.fromEntries(FIELDS.map((field) => [field, next[field]]));
      const result = await manager
        .getRepository(Rule)
        .update({id: row.id, version: row.version}, {...values, version: next.version, updatedAt: next.updatedAt});
      if (!result.affected) throw ruleChanged(name);
      await this.events.emit(
        'monitor.rule.changed',
        {action: 'updated', name, changed, condition: conditionText(next), severity: next.severity},
        {transaction: manager, subject: name, actor},
      );
    });
    await this.audit(actor, 'monitor.rules.update', name, {changed, condition: conditionText(next)});
    return {...ruleView(next), changed};
  }

  /** Removes a rule; the evaluator resolves its open alert at its next evaluation. */
  async remove(
    actor: Actor,
    name: string,
    options: {confirm?: ConfirmStep; dryRun?: boolean} = {},
  ): Promise<{name: string; removed: boolean; dryRun?: true}> {
    await this.access.authorize(actor, 'monitor:write', 'monitor.rules.remove', name);
    const row = await this.require(name);
    if (options.dryRun) return {name, removed: false, dryRun: true};
    await options.confirm?.(`Remove alert rule ${name} (${conditionText(row)})?`);
    await this.db.transaction(async (manager) => {
      const result = await manager.getRepository(Rule).delete({id: row.id, version: row.version});
      if (!result.affected) throw ruleChanged(name);
      await this.events.emit(
        'monitor.rule.changed',
        {action: 'removed', name},
        {transaction: manager, subject: name, actor},
      );
    });
    await this.audit(actor, 'monitor.rules.remove', name, {condition: conditionText(row)});
    return {name, removed: true};
  }

  private audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return this.access.record(actor, {action, target, result: 'ok', permission: 'monitor:write', details});
  }
}

const ruleExists = (name: string) =>
  conflict(`An alert rule named ${name} exists already`, {
    code: 'MONITOR_RULE_EXISTS',
    details: {name},
    hint: `Change it with monitor:alerts:config update ${name}.`,
  });

const ruleChanged = (name: string) =>
  conflict(`The alert rule ${name} was changed by someone else meanwhile`, {
    code: 'MONITOR_RULE_CHANGED',
    details: {name},
    hint: 'Look at it again (monitor:alerts:config list) and repeat the change.',
  });
