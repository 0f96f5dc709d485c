import {invalidInput, notFound, type Actor, type EventBus} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import {ApiKey, ApiLimit, type ApiLimitRow} from '../entities.js';
import type {ApiKeyService} from './keys.js';

export const MAX_PER_MINUTE = 100_000;
const WINDOW_MS = 60_000;

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
  /** Requests left in the current minute (after this one); null without a limit. */
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
 * Enforcement (`check`) keeps a sliding window of the last minute's requests in this process, per
 * key (per user for requests without a key): each server process counts on its own, so N processes
 * behind a load balancer let through up to N times the limit. The configured limits are read from
 * the database at every check, so a change applies at once.
 */
export class LimitService {
  private readonly windows = new Map<string, number[]>();

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
    });
    await this.events.emit('api.limit.changed', {kind, subject: id, requestsPerMinute});
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
    });
    await this.events.emit('api.limit.changed', {kind, subject: id, requestsPerMinute: null});
    return {kind, subject: reference, removed: true};
  }

  /** The limit that applies to an actor: its key's own, else the lowest of its owner's roles. */
  async configured(actor: Actor): Promise<ConfiguredLimit | undefined> {
    if (actor.kind !== 'user') return undefined;
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
   * 429 with Retry-After otherwise). A refused request is not counted.
   */
  async check(actor: Actor, endpoint: string, now: number = Date.now()): Promise<LimitDecision> {
    const configured = await this.configured(actor);
    if (!configured) return {allowed: true, endpoint, limit: null, remaining: null, retryAfterSeconds: 0, source: null};
    const limit = configured.requestsPerMinute;
    if (this.windows.size > 10_000) this.sweep(now);
    const windowKey = actor.credentialId ? `key:${actor.credentialId}` : `user:${actor.id}`;
    const hits = (this.windows.get(windowKey) ?? []).filter((at) => at > now - WINDOW_MS);
    if (hits.length >= limit) {
      this.windows.set(windowKey, hits);
      const retryAfterSeconds = Math.max(1, Math.ceil((hits[hits.length - limit]! + WINDOW_MS - now) / 1000));
      return {allowed: false, endpoint, limit, remaining: 0, retryAfterSeconds, source: configured.source};
    }
    hits.push(now);
    this.windows.set(windowKey, hits);
    return {
      allowed: true,
      endpoint,
      limit,
      remaining: limit - hits.length,
      retryAfterSeconds: 0,
      source: configured.source,
    };
  }

  /** Forgets windows with no request in the last minute. */
  private sweep(now: number): void {
    for (const [key, hits] of this.windows) if (!hits.some((at) => at > now - WINDOW_MS)) this.windows.delete(key);
  }
}
