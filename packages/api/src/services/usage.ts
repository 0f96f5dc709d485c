import {WriteBatcher, invalidInput, type Actor, type ListQuery, type ListResult} from '@systemprompt/core';
import type {EntityManager} from '@systemprompt/database/schema';
import {WHOLE_LIST, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import {ApiKey, ApiUsage} from '../entities.js';
import type {ApiKeyService} from './keys.js';

export interface UsageRow {
  /** The key's prefix. */
  key: string;
  name: string;
  endpoint: string;
  day: string;
  count: number;
}

/** The fields of api:usage that --filter and --sort take. */
export const USAGE_LIST_FIELDS = ['key', 'name', 'endpoint', 'day', 'count'] as const;

const USAGE_LIST: ListPlan = {
  fields: {
    key: 'k.prefix',
    name: 'k.name',
    endpoint: 'u.endpoint',
    day: {sql: 'u.day', kind: 'time'},
    count: {sql: 'u.count', kind: 'number'},
  },
  searchable: ['key', 'name', 'endpoint'],
  order: [
    ['day', 'asc'],
    ['key', 'asc'],
    ['endpoint', 'asc'],
  ],
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD that is a real day (2026-02-30 is not); else exit 2. */
export function checkDay(value: string, what = '--since'): string {
  const day = value.trim();
  if (
    !DAY.test(day) ||
    Number.isNaN(Date.parse(`${day}T00:00:00Z`)) ||
    new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day
  ) {
    throw invalidInput(`${what} ${value}: expected a day as YYYY-MM-DD`, {code: 'DAY_INVALID'});
  }
  return day;
}

/** Requests per key, endpoint and UTC day. */
export class UsageService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly keys: ApiKeyService,
  ) {}

  /** Requests counted but not yet written: group-committed, the same key, endpoint and day summed. */
  private readonly batches = new WriteBatcher<{keyId: string; endpoint: string; day: string}>(
    (hits) => this.write(hits),
    {gatherMs: 5},
  );

  /**
   * Counts one request of a key on an endpoint (e.g. `GET /v1/users`) for the current UTC day. Insert
   * or increment, atomic on both engines (so concurrent servers count right); the requests of a busy
   * moment share one transaction. Resolves once the count is written.
   */
  async record(
    keyId: string,
    endpoint: string,
    at: Date = new Date(),
    options: {deferred?: boolean} = {},
  ): Promise<void> {
    const name = endpoint.trim();
    if (name.length === 0 || name.length > 200)
      throw invalidInput('An endpoint is 1 to 200 characters', {code: 'ENDPOINT_INVALID'});
    const hit = {keyId, endpoint: name, day: at.toISOString().slice(0, 10)};
    // Inside a transaction the count is part of it; a batch would wait for the connection it holds.
    const outer = this.db.currentTransaction();
    if (outer?.queryRunner?.isTransactionActive) await this.write([hit], outer);
    else await this.batches.add(hit, options);
  }

  /** Resolves once every count handed to `record` so far is written. */
  flush(): Promise<void> {
    return this.batches.drain();
  }

  private async write(
    hits: ReadonlyArray<{keyId: string; endpoint: string; day: string}>,
    manager?: EntityManager,
  ): Promise<void> {
    const counts = new Map<string, {row: [string, string, string]; count: number}>();
    for (const {keyId, endpoint, day} of hits) {
      const key = JSON.stringify([keyId, endpoint, day]);
      const known = counts.get(key);
      if (known) known.count++;
      else counts.set(key, {row: [keyId, endpoint, day], count: 1});
    }
    const sql =
      this.db.engine === 'mysql'
        ? 'INSERT INTO api_usage (key_id, endpoint, day, `count`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `count` = `count` + VALUES(`count`)'
        : 'INSERT INTO api_usage (key_id, endpoint, day, "count") VALUES (?, ?, ?, ?) ON CONFLICT (key_id, endpoint, day) DO UPDATE SET "count" = "count" + excluded."count"';
    const upsert = async (manager: EntityManager) => {
      for (const {row, count} of counts.values()) await manager.query(sql, [...row, count]);
    };
    if (manager) await upsert(manager);
    else if (counts.size === 1) await upsert(this.db.manager);
    else await this.db.transaction(upsert, {leaf: true});
  }

  /**
   * One page of the usage of one key (its owner needs no permission), or, without `key`, of every
   * key when the actor holds api-usage:read and of the actor's own keys otherwise; read in the
   * database. Oldest day first.
   */
  async report(
    actor: Actor,
    options: {key?: string; since?: string} = {},
    query: ListQuery = WHOLE_LIST,
  ): Promise<ListResult<UsageRow>> {
    const since = options.since === undefined ? undefined : checkDay(options.since);
    const builder = this.db
      .repository(ApiUsage)
      .createQueryBuilder('u')
      .innerJoin(ApiKey.options.name, 'k', 'k.id = u.keyId');
    if (options.key !== undefined) {
      // One's own key needs no permission; any other takes api-usage:read, checked before the look-up.
      const own = actor.kind === 'user' ? await this.keys.find(options.key).catch(() => undefined) : undefined;
      let keyId = own?.userId === actor.id ? own.id : undefined;
      if (keyId === undefined) {
        await this.users.access.authorize(actor, 'api-usage:read', 'api.read-usage-of', options.key);
        keyId = (await this.keys.find(options.key)).id;
      }
      builder.andWhere('u.keyId = :keyId', {keyId});
    } else if (!(await this.users.access.decide(actor, 'api-usage:read')).allowed) {
      if (actor.kind !== 'user') await this.users.access.authorize(actor, 'api-usage:read', 'api.read-usage');
      builder.andWhere('k.userId = :owner', {owner: actor.id});
    }
    if (since) builder.andWhere('u.day >= :since', {since});
    return queryList(builder, query, USAGE_LIST, async (selected) => {
      const rows = await selected
        .select('k.prefix', 'key')
        .addSelect('k.name', 'name')
        .addSelect('u.endpoint', 'endpoint')
        .addSelect('u.day', 'day')
        .addSelect('u.count', 'count')
        .getRawMany<UsageRow>();
      return rows.map((row) => ({
        key: row.key,
        name: row.name,
        endpoint: row.endpoint,
        day: row.day,
        count: Number(row.count),
      }));
    });
  }
}
