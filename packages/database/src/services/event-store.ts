import {invalidInput, type DomainEvent, type EventQuery, type EventStore} from '@systemprompt/core';
import type {EntityManager} from 'typeorm';
import type {DatabaseService} from './database-service.js';

export const EVENTS_TABLE = 'events';

/** The largest payload stored, as JSON in UTF-8. */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024;

/** Column widths of the events table (own-migrations/20261210000000-create-events.ts). */
const FIELD_LENGTHS = {type: 128, source: 64, actor: 254, subject: 254} as const;

/** Ids asked for in one statement (SQLite binds at most 999 parameters in older builds). */
const IDS_PER_QUERY = 500;

interface EventRow {
  id: number | string;
  type: string;
  source: string;
  actor: string | null;
  subject: string | null;
  payload: string;
  occurred_at: string;
}

const COLUMNS = 'id, type, source, actor, subject, payload, occurred_at';

const toEvent = (row: EventRow): DomainEvent => ({
  id: Number(row.id),
  type: row.type,
  payload: JSON.parse(row.payload) as unknown,
  source: row.source,
  actor: row.actor,
  subject: row.subject,
  occurredAt: row.occurred_at,
});

/** `LIKE` matches `%`, `_` and the escape character itself literally only when escaped. */
const likePrefix = (prefix: string) => `${prefix.replace(/[!%_]/g, (char) => `!${char}`)}%`;

/**
 * The event store of the `events` capability: one table, written in the transaction of the change
 * it records (so a rollback removes it, and readers in other processes see it only once committed),
 * read in id order by the pollers of every process on the database. Every statement is parameterized.
 */
export class DatabaseEventStore implements EventStore {
  /** Readers that still need events from some id on (`hold`). */
  private readonly holds = new Map<string, () => Promise<number>>();

  constructor(private readonly database: DatabaseService) {}

  hold(reader: string, neededFrom: () => Promise<number>): void {
    this.holds.set(reader, neededFrom);
  }

  async append(event: Omit<DomainEvent, 'id'>, transaction?: unknown): Promise<number> {
    const payload = JSON.stringify(event.payload ?? null);
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > MAX_EVENT_PAYLOAD_BYTES)
      throw invalidInput(
        `The payload of event ${event.type} is ${bytes} bytes of JSON; at most ${MAX_EVENT_PAYLOAD_BYTES} are stored`,
        {
          code: 'EVENT_TOO_LARGE',
          details: {type: event.type, bytes, limit: MAX_EVENT_PAYLOAD_BYTES},
          hint: 'Put the large data in a table of the module and the id of its row in the event.',
        },
      );
    for (const [field, length] of Object.entries(FIELD_LENGTHS)) {
      const value = event[field as keyof typeof FIELD_LENGTHS];
      if (typeof value === 'string' && value.length > length)
        throw invalidInput(`The ${field} of event ${event.type} is longer than ${length} characters`, {
          code: 'EVENT_INVALID',
          details: {type: event.type, field, length},
        });
    }
    const insert = async (manager: EntityManager) =>
      manager.query<unknown>(
        `INSERT INTO ${EVENTS_TABLE} (type, source, actor, subject, payload, occurred_at) VALUES (?, ?, ?, ?, ?, ?)`,
        [event.type, event.source, event.actor ?? null, event.subject ?? null, payload, event.occurredAt],
      );
    const result = transaction
      ? await insert(transaction as EntityManager)
      : await this.database.transaction((manager) => insert(manager));
    // better-sqlite3 returns the new rowid; mysql2 a result header.
    return Number(this.database.engine === 'sqlite' ? result : (result as {insertId: number | string}).insertId);
  }

  afterCommit(transaction: unknown, callback: () => void | Promise<void>): boolean {
    return this.database.afterCommit(transaction, callback);
  }

  async after(id: number, limit: number): Promise<DomainEvent[]> {
    return this.select(`WHERE id > ? ORDER BY id LIMIT ?`, [id, limit]);
  }

  async byIds(ids: readonly number[]): Promise<DomainEvent[]> {
    const events: DomainEvent[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      const chunk = ids.slice(start, start + IDS_PER_QUERY);
      events.push(...(await this.select(`WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk)));
    }
    return events.sort((a, b) => a.id! - b.id!);
  }

  async latestId(): Promise<number> {
    const [row] = await this.database.read((dataSource) =>
      dataSource.query<Array<{id: number | string | null}>>(`SELECT MAX(id) AS id FROM ${EVENTS_TABLE}`),
    );
    return Number(row?.id ?? 0);
  }

  async list(query: EventQuery): Promise<DomainEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const types = query.types ?? [];
    if (types.length > 0 && !types.includes('*')) {
      const exact = types.filter((type) => !type.endsWith('.*'));
      const alternatives = types
        .filter((type) => type.endsWith('.*'))
        .map((pattern) => {
          params.push(likePrefix(pattern.slice(0, -1)));
          return "type LIKE ? ESCAPE '!'";
        });
      if (exact.length > 0) {
        alternatives.push(`type IN (${exact.map(() => '?').join(', ')})`);
        params.push(...exact);
      }
      where.push(`(${alternatives.join(' OR ')})`);
    }
    if (query.since) {
      where.push('occurred_at >= ?');
      params.push(query.since.toISOString());
    }
    if (query.afterId !== undefined) {
      where.push('id > ?');
      params.push(query.afterId);
    }
    if (query.subject !== undefined) {
      where.push('subject = ?');
      params.push(query.subject);
    }
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    return this.select(`${where.length > 0 ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY id ${order} LIMIT ?`, [
      ...params,
      query.limit,
    ]);
  }

  async prune(before: Date, options: {dryRun?: boolean} = {}): Promise<number> {
    const where = ['occurred_at < ?'];
    const params: unknown[] = [before.toISOString()];
    // The lowest id a reader still needs bounds the prune, whatever its age.
    const needed = (await Promise.all([...this.holds.values()].map((neededFrom) => neededFrom()))).filter((id) =>
      Number.isFinite(id),
    );
    if (needed.length > 0) {
      where.push('id < ?');
      params.push(Math.min(...needed));
    }
    const clause = where.join(' AND ');
    if (options.dryRun) {
      const [row] = await this.database.read((dataSource) =>
        dataSource.query<Array<{n: number | string}>>(
          `SELECT COUNT(*) AS n FROM ${EVENTS_TABLE} WHERE ${clause}`,
          params,
        ),
      );
      return Number(row?.n ?? 0);
    }
    return this.database.transaction(async (manager) => {
      const result = await manager.queryRunner!.query(`DELETE FROM ${EVENTS_TABLE} WHERE ${clause}`, params, true);
      return Number((result as {affected?: number}).affected ?? 0);
    });
  }

  /** Reads rows that are committed (and, in this process, not of a transaction still open). */
  private async select(clauses: string, params: readonly unknown[]): Promise<DomainEvent[]> {
    const rows = await this.database.read((dataSource) =>
      dataSource.query<EventRow[]>(`SELECT ${COLUMNS} FROM ${EVENTS_TABLE} ${clauses}`, [...params]),
    );
    return rows.map(toEvent);
  }
}
