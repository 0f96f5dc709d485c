import {
  invalidInput,
  newSortableId,
  notFound,
  type AccessProvider,
  type Actor,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {queryList, retryingDeadlocks, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager, Repository} from '@systemprompt/database/schema';
import {parseCidr} from '../cidr.js';
import {FirewallRule, type FirewallRuleRow} from '../entities.js';
import {CompiledFirewall, type FirewallAction, type FirewallDecision, type RuleSpec} from '../firewall.js';

/** Addresses the local CLI and the operator reach the server from: a change that shuts them out is refused. */
export const LOOPBACK_PROBES = ['127.0.0.1', '::1'] as const;

/** A rule as commands and the API show it. */
export interface RuleView {
  id: string;
  position: number;
  action: FirewallAction;
  cidr: string;
  comment: string | null;
  createdAt: string;
  createdBy: string;
}

/** A rule added or removed (the rule as it was or is), and what the change did to loopback. */
export interface FirewallChange extends RuleView {
  change: 'added' | 'removed';
  /** Loopback addresses denied after the change (allowed only with --force). */
  lockedOut: string[];
  dryRun?: true;
}

export const RULE_LIST_FIELDS = ['position', 'action', 'cidr', 'createdAt'] as const;
const RULE_LIST: ListPlan = {
  fields: {
    position: {sql: 'r.position', kind: 'number'},
    action: 'r.action',
    cidr: 'r.cidr',
    createdAt: {sql: 'r.created_at', kind: 'number'},
  },
  searchable: ['cidr', 'comment'],
  order: [['position', 'asc']],
};

export function ruleView(row: FirewallRuleRow): RuleView {
  return {
    id: row.id,
    position: Number(row.position),
    action: row.action as FirewallAction,
    cidr: row.cidr,
    comment: row.comment,
    createdAt: new Date(Number(row.createdAt)).toISOString(),
    createdBy: row.createdBy,
  };
}

const specOf = (row: FirewallRuleRow): RuleSpec => ({
  id: row.id,
  position: Number(row.position),
  action: row.action as FirewallAction,
  cidr: row.cidr,
});

/**
 * Firewall rules, in the database so every server of the installation enforces the same list.
 * Reading takes network:read, changing network:write; each change is one transaction with its
 * network.firewall.changed event (every server reloads its rules when it reads it), and audited.
 */
export class FirewallService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    readonly defaultAction: FirewallAction,
  ) {}

  private get repository() {
    return this.db.repository(FirewallRule);
  }

  /** Every rule in order (the server's reading: no actor, its own work). */
  async rows(): Promise<FirewallRuleRow[]> {
    return this.repository.find({order: {position: 'ASC', id: 'ASC'}});
  }

  /** The rules compiled for matching, with the configured default. */
  async compile(): Promise<CompiledFirewall> {
    return new CompiledFirewall((await this.rows()).map(specOf), this.defaultAction);
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<RuleView> & {default: FirewallAction}> {
    await this.access.authorize(actor, 'network:read', 'network.firewall.list');
    const page = await queryList(this.repository.createQueryBuilder('r'), query, RULE_LIST);
    return {...page, items: page.items.map(ruleView), default: this.defaultAction};
  }

  /** What the rules say about `address` (network:firewall --check ADDRESS). */
  async check(actor: Actor, address: string): Promise<FirewallDecision> {
    await this.access.authorize(actor, 'network:read', 'network.firewall.check', address);
    const parsed = parseCidr(address);
    if (parsed.prefix !== (parsed.family === 'ipv4' ? 32 : 128))
      throw invalidInput('--check takes one address, not a range', {code: 'NETWORK_CIDR_INVALID'});
    return (await this.compile()).decide(parsed.network);
  }

  /** Adds an allow or deny rule at `position` (1 = first; default: after the last). */
  async add(
    actor: Actor,
    action: FirewallAction,
    cidrText: string,
    options: {position?: number; comment?: string; force?: boolean; dryRun?: boolean} = {},
  ): Promise<FirewallChange> {
    await this.access.authorize(actor, 'network:write', `network.firewall.${action}`, cidrText);
    const cidr = parseCidr(cidrText).text;
    const comment = options.comment?.trim() || null;
    if (comment && comment.length > 200)
      throw invalidInput('The comment is longer than 200 characters', {code: 'NETWORK_RULE_INVALID'});
    const plan = (before: FirewallRuleRow[]) => {
      const last = before.length + 1;
      const position = options.position ?? last;
      if (!Number.isInteger(position) || position < 1 || position > last)
        throw invalidInput(`--position must be 1 to ${last}`, {
          code: 'NETWORK_RULE_INVALID',
          hint: '1 puts the rule first; without --position it goes last.',
        });
      const row: FirewallRuleRow = {
        id: newSortableId(),
        position,
        action,
        cidr,
        comment,
        createdAt: Date.now(),
        createdBy: actor.label,
      };
      const after = [
        ...before.map((rule) => ({
          ...rule,
          position: Number(rule.position) >= position ? Number(rule.position) + 1 : Number(rule.position),
        })),
        row,
      ];
      return {row, lockedOut: this.lockout(before, after, options.force)};
    };
    if (options.dryRun) {
      const {row, lockedOut} = plan(await this.rows());
      return {change: 'added', ...ruleView(row), lockedOut, dryRun: true};
    }
    const {row, lockedOut} = await this.change(async (before, rules, manager) => {
      const planned = plan(before);
      const {position} = planned.row;
      // Descending, one row at a time: no two rules ever share a position (a unique index says so).
      for (const rule of before.filter((each) => Number(each.position) >= position).reverse())
        await rules.update({id: rule.id}, {position: Number(rule.position) + 1});
      await rules.insert(planned.row);
      await this.events.emit(
        'network.firewall.changed',
        {action: 'added', rule: {id: planned.row.id, position, action, cidr}},
        {transaction: manager, subject: cidr, actor},
      );
      return planned;
    });
    await this.audit(actor, `network.firewall.${action}`, cidr, {position: row.position, id: row.id, lockedOut});
    return {change: 'added', ...ruleView(row), lockedOut};
  }

  /** Removes a rule named by its id, its position (`3` or `#3`) or its range (when one rule has it). */
  async remove(
    actor: Actor,
    reference: string,
    options: {force?: boolean; dryRun?: boolean} = {},
  ): Promise<FirewallChange> {
    await this.access.authorize(actor, 'network:write', 'network.firewall.remove', reference);
    const plan = (before: FirewallRuleRow[]) => {
      const row = findRule(before, reference);
      const after = before
        .filter((rule) => rule.id !== row.id)
        .map((rule) => ({
          ...rule,
          position: Number(rule.position) > Number(row.position) ? Number(rule.position) - 1 : Number(rule.position),
        }));
      return {row, lockedOut: this.lockout(before, after, options.force)};
    };
    if (options.dryRun) {
      const {row, lockedOut} = plan(await this.rows());
      return {change: 'removed', ...ruleView(row), lockedOut, dryRun: true};
    }
    const {row, lockedOut} = await this.change(async (before, rules, manager) => {
      const planned = plan(before);
      const {row: removed} = planned;
      await rules.delete({id: removed.id});
      for (const rule of before.filter((each) => Number(each.position) > Number(removed.position)))
        await rules.update({id: rule.id}, {position: Number(rule.position) - 1});
      await this.events.emit(
        'network.firewall.changed',
        {
          action: 'removed',
          rule: {id: removed.id, position: Number(removed.position), action: removed.action, cidr: removed.cidr},
        },
        {transaction: manager, subject: removed.cidr, actor},
      );
      return planned;
    });
    await this.audit(actor, 'network.firewall.remove', row.cidr, {
      id: row.id,
      position: Number(row.position),
      lockedOut,
    });
    return {change: 'removed', ...ruleView(row), lockedOut};
  }

  /**
   * One change of the rules, in one transaction that first takes the head row's lock (SQLite: the
   * database's write lock, as the first statement writes; MySQL/MariaDB: that row's lock), then reads
   * the rules as the previous change left them: two changes at once run one after the other, each
   * checked (positions, loopback) against the list it changes.
   */
  private change<T>(
    work: (before: FirewallRuleRow[], rules: Repository<FirewallRuleRow>, manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return retryingDeadlocks(() =>
      this.db.transaction(async (manager) => {
        await manager.query('UPDATE network_firewall_head SET version = version + 1 WHERE id = 1');
        const rules = manager.getRepository(FirewallRule);
        return work(await rules.find({order: {position: 'ASC', id: 'ASC'}}), rules, manager);
      }),
    );
  }

  /**
   * Loopback addresses that the change would newly deny. The local CLI reaches the server through
   * loopback (system:health, system:stop's drain, network:status): such a change is refused unless forced.
   */
  private lockout(before: FirewallRuleRow[], after: FirewallRuleRow[], force = false): string[] {
    const was = new CompiledFirewall(before.map(specOf), this.defaultAction);
    const will = new CompiledFirewall(after.map(specOf), this.defaultAction);
    const locked = LOOPBACK_PROBES.filter((address) => was.decide(address).allowed && !will.decide(address).allowed);
    if (locked.length > 0 && !force)
      throw invalidInput(
        `This change would deny ${locked.join(' and ')} (loopback), shutting out this machine's own commands`,
        {
          code: 'NETWORK_FIREWALL_LOCKOUT',
          details: {lockedOut: locked},
          hint: 'Put an allow rule for 127.0.0.1/32 and ::1/128 first (--position 1), or repeat with --force.',
        },
      );
    return locked;
  }

  private audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return this.access.record(actor, {action, target, result: 'ok', permission: 'network:write', details});
  }
}

const ruleNotFound = (reference: string) =>
  notFound(`No firewall rule ${reference}`, {
    code: 'NETWORK_RULE_NOT_FOUND',
    details: {rule: reference},
    hint: 'See network:firewall for the rules, their ids and positions.',
  });

function findRule(rows: FirewallRuleRow[], reference: string): FirewallRuleRow {
  const text = reference.trim();
  const position = /^#?(\d{1,6})$/.exec(text);
  if (position) {
    const found = rows.find((row) => Number(row.position) === Number(position[1]));
    if (found) return found;
    throw ruleNotFound(reference);
  }
  const byId = rows.find((row) => row.id === text);
  if (byId) return byId;
  let cidr: string;
  try {
    cidr = parseCidr(text).text;
  } catch {
    throw ruleNotFound(reference);
  }
  const matches = rows.filter((row) => row.cidr === cidr);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw invalidInput(`${matches.length} rules have the range ${cidr}`, {
      code: 'NETWORK_RULE_AMBIGUOUS',
      details: {rules: matches.map((row) => ({id: row.id, position: Number(row.position)}))},
      hint: 'Name the rule by its id or position (see network:firewall).',
    });
  throw ruleNotFound(reference);
}
