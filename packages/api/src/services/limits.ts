import {invalidInput, notFound, type Actor, type EventBus} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import type {UsersApi} from '@systemprompt/users';
import {ApiKey, ApiLimit, type ApiLimitRow} from '../entities.js';
import type {ApiKeyService} from './keys.js';

export const MAX_PER_MINUTE = 100_000;
const WINDOW_MS = 60_000;
/** Old windows deleted per statement when pruning. */
const PRUNE_BATCH = 500;

export interface LimitView {
  kind: 'key' | 'role';
  /** The key's prefix (its id when the key no longer exists), or the role name. */
  subject: string;
  /** The key's name; null for a role. */
  name: string | null;
  requestsPerMinute: number;
}

export interface LimitSubject {
  /** Key id or prefix. */
  key?: string;
  role?: string;
}

/** The limit that applies to an actor, and where it comes from (`key <key id>` or `role <name>`). */
export interface ConfiguredLimit {
  requestsPerMinute: number;
  source: string;
}

export interface LimitDecision {
  allowed: boolean;
  endpoint: string;
  /** Requests per minute that apply; null when no limit does. */
  limit: number | null;
  /** Requests left now in the sliding minute (after this one); null without a limit. */
  remaining: number | null;
  /** When refused: seconds until a request is allowed again. */
  retryAfterSeconds: number;
  source: string | null;
}

/** The subject as the audit log names it, before it is checked (`role viewer`, `key spk_AbCd1234`). */
const describe = (subject: LimitSubject): string | null =>
  subject.key ? `key ${subject.key.trim()}` : subject.role ? `role ${subject.role.trim()}` : null;

function checkSubject(subject: LimitSubject): {kind: 'key' | 'role'; reference: string} {
  const key = subject.key?.trim();
  const role = subject.role?.trim();
  if (Boolean(key) === Boolean(role))
    throw invalidInput('Name one API key (--key) or one role (--role)', {code: 'LIMIT_SUBJECT'});
  return key ? {kind: 'key', reference: key} : {kind: 'role', reference: role!};
}

/**
 * Rate limits in requests per minute, per API key or per role. The limit of a request is its key's
 * own limit if it has one, else the lowest limit of its owner's roles, else none.
 *
 * Enforcement (`check`) counts in the database, so all server processes (and the CLI) share one
 * count: `api_rate_windows` holds the accepted requests per window key (`key:<key id>`, or
 * `user:<user id>` for a request without a key) and UTC minute. The window slides, approximately,
 * over the current and the previous minute: a request is accepted while
 *
 *   hits this minute + floor(hits last minute × (60 s − time into this minute) / 60 s) < limit
 *
 * as if last minute's requests had come evenly. No calendar minute accepts more than the limit, a
 * client sending steadily at the limit is not refused, and one that keeps sending is held to the
 * limit rather than given a fresh allowance at the top of each minute. (Two counters instead of the
 * time of every request: a burst at the very end of a minute weighs less in the next than it should.)
 *
 * The increment is conditional and atomic, so requests from any number of processes and connections
 * are counted exactly and a refused one is not counted: on MySQL/MariaDB one INSERT ... ON DUPLICATE
 * KEY UPDATE, which locks the row while it runs; on SQLite an upsert in a write transaction (BEGIN
 * IMMEDIATE). A refusal says when a request is accepted again (Retry-After). The first check of each
 * minute in each process deletes the windows older than two minutes. The configured limits are read
 * from the database at every check, so a change applies at once.
 */
/** How long configured() reuses an answer. */
const CONFIGURED_TTL_MS = 1000;

export class LimitService {
  /** The minute this process last pruned old windows in: pruning runs once a minute per process. */
  private prunedMinute: number | undefined;
  /** configured()'s recent answers, per user and key. */
  private readonly configuredCache = new Map<string, {limit: ConfiguredLimit | undefined; until: number}>();

  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly keys: ApiKeyService,
    private readonly events: EventBus,
  ) {}

  private async views(rows: readonly ApiLimitRow[]): Promise<LimitView[]> {
    const ids = rows.filter((row) => row.subjectKind === 'key').map((row) => row.subject);
    const keys = new Map(
      ids.length === 0
        ? []
        : (await this.db.repository(ApiKey).createQueryBuilder('k').where('k.id IN (:...ids)', {ids}).getMany()).map(
            (key) => [key.id, key],
          ),
    );
    return rows
      .map((row) => ({
        kind: row.subjectKind,
        subject: row.subjectKind === 'key' ? (keys.get(row.subject)?.prefix ?? row.subject) : row.subject,
        name: row.subjectKind === 'key' ? (keys.get(row.subject)?.name ?? null) : null,
        requestsPerMinute: Number(row.requestsPerMinute),
      }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject));
  }

  async list(actor: Actor): Promise<LimitView[]> {
    await this.users.access.authorize(actor, 'api-limits:read', 'api.list-limits');
    return this.views(await this.db.repository(ApiLimit).find());
  }

  /** Sets (or changes) the limit of a key or a role. */
  async set(actor: Actor, subject: LimitSubject, requestsPerMinute: number): Promise<LimitView> {
    await this.users.access.authorize(actor, 'api-limits:write', 'api.set-limit-of', describe(subject));
    const {kind, reference} = checkSubject(subject);
    if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1 || requestsPerMinute > MAX_PER_MINUTE) {
      throw invalidInput(
        `${requestsPerMinute} requests per minute is out of range (a whole number from 1 to ${MAX_PER_MINUTE})`,
        {code: 'LIMIT_INVALID'},
      );
    }
    let id: string;
    if (kind === 'key') {
      id = (await this.keys.find(reference)).id;
    } else {
      if (!(await this.users.roles.exists(reference)))
        throw notFound(`No role "${reference}"`, {code: 'ROLE_NOT_FOUND', hint: 'See auth:role for the roles.'});
      id = reference;
    }
    const row: ApiLimitRow = {subjectKind: kind, subject: id, requestsPerMinute};
    await this.db.transaction(async (manager) => {
      const repository = manager.getRepository(ApiLimit);
      const existing = await repository.findOneBy({subjectKind: kind, subject: id});
      if (existing) await repository.update({subjectKind: kind, subject: id}, {requestsPerMinute});
      else await repository.insert(row);
      await this.users.audit.record(
        actor,
        {
          action: 'api.set-limit-of',
          target: `${kind} ${reference}`,
          result: 'ok',
          permission: 'api-limits:write',
          details: {requestsPerMinute, before: existing ? Number(existing.requestsPerMinute) : null},
        },
        manager,
      );
      await this.events.emit(
        'api.limit.changed',
        {kind, subject: id, requestsPerMinute},
        {transaction: manager, actor},
      );
    });
    this.configuredCache.clear();
    return (await this.views([row]))[0]!;
  }

  /** Removes the limit of a key (also of a key that no longer exists, by its id) or of a role. */
  async remove(actor: Actor, subject: LimitSubject): Promise<{kind: 'key' | 'role'; subject: string; removed: true}> {
    await this.users.access.authorize(actor, 'api-limits:write', 'api.remove-limit-of', describe(subject));
    const {kind, reference} = checkSubject(subject);
    let id = reference;
    if (kind === 'key') {
      const orphan = await this.db.repository(ApiLimit).findOneBy({subjectKind: 'key', subject: reference});
      if (!orphan) id = (await this.keys.find(reference)).id;
    }
    const existing = await this.db.repository(ApiLimit).findOneBy({subjectKind: kind, subject: id});
    if (!existing)
      throw notFound(`No rate limit for ${kind} ${reference}`, {code: 'LIMIT_NOT_FOUND', hint: 'See api:limits.'});
    await this.db.transaction(async (manager) => {
      await manager.getRepository(ApiLimit).delete({subjectKind: kind, subject: id});
      await this.users.audit.record(
        actor,
        {
          action: 'api.remove-limit-of',
          target: `${kind} ${reference}`,
          result: 'ok',
          permission: 'api-limits:write',
          details: {requestsPerMinute: Number(existing.requestsPerMinute)},
        },
        manager,
      );
      await this.events.emit(
        'api.limit.changed',
        {kind, subject: id, requestsPerMinute: null},
        {transaction: manager, actor},
      );
    });
    this.configuredCache.clear();
    return {kind, subject: reference, removed: true};
  }

  /**
   * The limit that applies to an actor: its key's own, else the lowest of its owner's roles. Every
   * request asks, so the answer is kept for a second (CONFIGURED_TTL_MS): a limit set or removed in
   * another process applies within that second; one set in this process, at once.
   */
  async configured(actor: Actor): Promise<ConfiguredLimit | undefined> {
    if (actor.kind !== 'user') return undefined;
    const key = `${actor.id} ${actor.credentialId ?? ''}`;
    const now = Date.now();
    const known = this.configuredCache.get(key);
    if (known && known.until > now) return known.limit;
    const limit = await this.lookUpConfigured(actor);
    if (this.configuredCache.size >= 10_000) this.configuredCache.clear();
    this.configuredCache.set(key, {limit, until: now + CONFIGURED_TTL_MS});
    return limit;
  }

  private async lookUpConfigured(actor: Actor): Promise<ConfiguredLimit | undefined> {
    const repository = this.db.repository(ApiLimit);
    if (actor.credentialId) {
      const own = await repository.findOneBy({subjectKind: 'key', subject: actor.credentialId});
      if (own) return {requestsPerMinute: Number(own.requestsPerMinute), source: `key ${actor.credentialId}`};
    }
    const roles = await this.users.users.roleNames(actor.id);
    if (roles.length === 0) return undefined;
    const limits = await repository
      .createQueryBuilder('l')
      .where("l.subjectKind = 'role' AND l.subject IN (:...roles)", {roles})
      .getMany();
    const lowest = limits.sort(
      (a, b) => Number(a.requestsPerMinute) - Number(b.requestsPerMinute) || a.subject.localeCompare(b.subject),
    )[0];
    return lowest ? {requestsPerMinute: Number(lowest.requestsPerMinute), source: `role ${lowest.subject}`} : undefined;
  }

  /**
   * Counts a request against the actor's limit and says whether it may go ahead (the server answers
   * 429 with Retry-After otherwise). A refused request is not counted. `now` is the request's time
   * in epoch milliseconds.
   */
  async check(actor: Actor, endpoint: string, now: number = Date.now()): Promise<LimitDecision> {
    const configured = await this.configured(actor);
    if (!configured) return {allowed: true, endpoint, limit: null, remaining: null, retryAfterSeconds: 0, source: null};
    const limit = configured.requestsPerMinute;
    const at = Math.floor(now);
    const minute = Math.floor(at / WINDOW_MS);
    const elapsed = at - minute * WINDOW_MS;
    const windowKey = actor.credentialId ? `key:${actor.credentialId}` : `user:${actor.id}`;
    const count = async (manager: EntityManager): Promise<Count> => {
      await this.prune(manager, minute);
      return this.count(manager, windowKey, minute, elapsed, limit);
    };
    // MySQL/MariaDB: one statement on a pooled connection. SQLite: one write transaction, which
    // takes its turn among the process's transactions instead of landing inside another one.
    const {previous, hits, allowed} =
      this.db.engine === 'mysql' ? await count(this.db.manager) : await this.db.transaction(count);
    const decision = {endpoint, limit, source: configured.source};
    if (allowed) {
      const remaining = Math.max(0, limit - carriedOver(previous, elapsed) - hits);
      return {...decision, allowed: true, remaining, retryAfterSeconds: 0};
    }
    const retryAt = firstAllowedAt(limit, previous, hits, minute);
    return {
      ...decision,
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil((retryAt - at) / 1000)),
    };
  }

  /**
   * Reads the previous and current windows and adds the request to the current one if it fits.
   * Only the current window's increment must be atomic: the previous window no longer changes.
   */
  private async count(
    manager: EntityManager,
    windowKey: string,
    minute: number,
    elapsed: number,
    limit: number,
  ): Promise<Count> {
    const rows = await manager.query<Array<{window_minute: number | string; hits: number | string}>>(
      'SELECT window_minute, hits FROM api_rate_windows WHERE window_key = ? AND window_minute IN (?, ?)',
      [windowKey, minute - 1, minute],
    );
    const hitsIn = (wanted: number) => Number(rows.find((row) => Number(row.window_minute) === wanted)?.hits ?? 0);
    const previous = hitsIn(minute - 1);
    const current = hitsIn(minute);
    // The most the current window may hold, now: what is left of the limit after last minute's share.
    const cap = limit - carriedOver(previous, elapsed);
    // Already full: refused without a write (a client that keeps trying costs one read a request).
    if (current >= cap) return {previous, hits: current, allowed: false};
    const counted = await this.increment(manager, windowKey, minute, cap);
    // Refused by the statement: others filled the window since the read; it holds at least `cap`.
    return counted === undefined ? {previous, hits: cap, allowed: false} : {previous, hits: counted, allowed: true};
  }

  /** Adds one hit to the window unless it holds `cap` already; the hits after it, or undefined when full. */
  private async increment(
    manager: EntityManager,
    windowKey: string,
    minute: number,
    cap: number,
  ): Promise<number | undefined> {
    if (this.db.engine === 'mysql') {
      // The row is locked while the statement runs, so concurrent increments queue on it. MySQL has no
      // RETURNING: LAST_INSERT_ID(expr) hands the outcome back as the result's insert id: 1 for a new
      // window, the new count for an accepted increment, 0 for a refusal (the count is left as it was).
      const result = await manager.query<{insertId: number | string}>(
        'INSERT INTO api_rate_windows (window_key, window_minute, hits) VALUES (?, ?, LAST_INSERT_ID(1)) ' +
          'ON DUPLICATE KEY UPDATE hits = IF(hits < ?, LAST_INSERT_ID(hits + 1), hits + LAST_INSERT_ID(0))',
        [windowKey, minute, cap],
      );
      const hits = Number(result.insertId);
      return hits > 0 ? hits : undefined;
    }
    const rows = await manager.query<Array<{hits: number}>>(
      'INSERT INTO api_rate_windows (window_key, window_minute, hits) VALUES (?, ?, 1) ' +
        'ON CONFLICT (window_key, window_minute) DO UPDATE SET hits = hits + 1 WHERE hits < ? RETURNING hits',
      [windowKey, minute, cap],
    );
    return rows[0] ? Number(rows[0].hits) : undefined;
  }

  /**
   * Deletes the windows of every key that ended more than two minutes ago (one minute is what the
   * count reads; the other spares a server whose clock is a little behind), at the first check of
   * each minute in this process. The old rows are looked up first and deleted by primary key: on
   * InnoDB a range delete would lock the gaps where new windows are inserted.
   */
  private async prune(manager: EntityManager, minute: number): Promise<void> {
    if (this.prunedMinute === minute) return;
    this.prunedMinute = minute;
    try {
      for (;;) {
        const old = await manager.query<Array<{window_key: string; window_minute: number | string}>>(
          `SELECT window_key, window_minute FROM api_rate_windows WHERE window_minute < ? LIMIT ${PRUNE_BATCH}`,
          [minute - 2],
        );
        if (old.length === 0) return;
        await manager.query(
          `DELETE FROM api_rate_windows WHERE ${old.map(() => '(window_key = ? AND window_minute = ?)').join(' OR ')}`,
          old.flatMap((row) => [row.window_key, Number(row.window_minute)]),
        );
        if (old.length < PRUNE_BATCH) return;
      }
    } catch (error) {
      // Not pruned: the next check tries again.
      this.prunedMinute = undefined;
      throw error;
    }
  }
}

interface Count {
  /** Accepted requests in the previous minute. */
  previous: number;
  /** Accepted requests in the current minute, this one included when it was accepted. */
  hits: number;
  allowed: boolean;
}

/** The part of last minute's hits that still counts, `elapsed` ms into this minute (the rest slid out). */
const carriedOver = (previous: number, elapsed: number): number =>
  Math.floor((previous * (WINDOW_MS - elapsed)) / WINDOW_MS);

/**
 * When (epoch ms) a request is accepted again, if no other comes first: the first moment at which
 * `hits + carriedOver(previous, elapsed) < limit`. In this minute while it has room left; else in the
 * next, where this minute's hits become the previous ones.
 */
function firstAllowedAt(limit: number, previous: number, hits: number, minute: number): number {
  const start = minute * WINDOW_MS;
  if (hits < limit) return start + firstElapsed(limit - hits, previous);
  return start + WINDOW_MS + firstElapsed(limit, hits);
}

/**
 * The first `elapsed` at which carriedOver(previous, elapsed) < room (room >= 1):
 * floor(previous × (W − e) / W) < room  ⇔  previous × (W − e) < room × W  ⇔  e > W − room × W / previous.
 */
function firstElapsed(room: number, previous: number): number {
  if (previous < room) return 0;
  return WINDOW_MS - Math.ceil((room * WINDOW_MS) / previous) + 1;
}
