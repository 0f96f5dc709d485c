import {invalidInput, type Actor} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
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

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD that is a real day (2026-02-30 is not); else exit 2. */
export function checkDay(value: string, what = '--since'): string {
  const day = value.trim();
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
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

  /**
   * Counts one request of a key on an endpoint (e.g. `GET /v1/users`) for the current UTC day. One
   * statement, insert or increment, atomic on both engines (so concurrent servers count right).
   */
  async record(keyId: string, endpoint: string, at: Date = new Date()): Promise<void> {
    const name = endpoint.trim();
    if (name.length === 0 || name.length > 200) throw invalidInput('An endpoint is 1 to 200 characters', {code: 'ENDPOINT_INVALID'});
    const day = at.toISOString().slice(0, 10);
    const sql = this.db.engine === 'mysql'
      ? 'INSERT INTO api_usage (key_id, endpoint, day, `count`) VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE `count` = `count` + 1'
      : 'INSERT INTO api_usage (key_id, endpoint, day, "count") VALUES (?, ?, ?, 1) ON CONFLICT (key_id, endpoint, day) DO UPDATE SET "count" = "count" + 1';
    await this.db.manager.query(sql, [keyId, name, day]);
  }

  /**
   * Usage of one key (its owner needs no permission), or, without `key`, of every key when the
   * actor holds api-usage:read and of the actor's own keys otherwise. Oldest day first.
   */
  async report(actor: Actor, options: {key?: string; since?: string} = {}): Promise<UsageRow[]> {
    const since = options.since === undefined ? undefined : checkDay(options.since);
    let keyIds: string[] | undefined;
    if (options.key !== undefined) {
      // One's own key needs no permission; any other takes api-usage:read, checked before the look-up.
      const own = actor.kind === 'user' ? await this.keys.find(options.key).catch(() => undefined) : undefined;
      if (own?.userId === actor.id) {
        keyIds = [own.id];
      } else {
        await this.users.access.authorize(actor, 'api-usage:read', 'api.read-usage-of', options.key);
        keyIds = [(await this.keys.find(options.key)).id];
      }
    } else if (!(await this.users.access.decide(actor, 'api-usage:read')).allowed) {
      if (actor.kind !== 'user') await this.users.access.authorize(actor, 'api-usage:read', 'api.read-usage');
      keyIds = (await this.db.repository(ApiKey).findBy({userId: actor.id})).map((key) => key.id);
    }
    if (keyIds?.length === 0) return [];
    const builder = this.db.repository(ApiUsage).createQueryBuilder('u');
    if (keyIds) builder.andWhere('u.keyId IN (:...keyIds)', {keyIds});
    if (since) builder.andWhere('u.day >= :since', {since});
    const rows = await builder.getMany();
    const ids = [...new Set(rows.map((row) => row.keyId))];
    const keys = new Map(ids.length === 0 ? [] : (await this.db.repository(ApiKey).createQueryBuilder('k').where('k.id IN (:...ids)', {ids}).getMany()).map((key) => [key.id, key]));
    return rows
      .map((row) => ({key: keys.get(row.keyId)?.prefix ?? row.keyId, name: keys.get(row.keyId)?.name ?? '', endpoint: row.endpoint, day: row.day, count: Number(row.count)}))
      .sort((a, b) => a.day.localeCompare(b.day) || a.key.localeCompare(b.key) || a.endpoint.localeCompare(b.endpoint));
  }
}
