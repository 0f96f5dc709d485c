import {
  SYSTEM_ACTOR,
  WriteBatcher,
  type Actor,
  type AuditEntry,
  type ListQuery,
  type ListResult,
  type RecordOptions,
} from '@systemprompt/core';
import {WHOLE_LIST, queryList, type ListBuilder, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {Audit, type AuditRow} from '../entities.js';
import {AUDIT_HEAD_TABLE, GENESIS_HASH, chainHash} from './audit-chain.js';
import {verifyAuditChain, type AuditVerification, type VerifyOptions} from './audit-verify.js';

export type {AuditEntry};
export type {AuditVerification, AuditBreak, VerifyOptions} from './audit-verify.js';

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  permission: string | null;
  details: Record<string, unknown> | null;
}

/** The fields of audit lists (users:activity, permissions:audit): --filter and --sort take these. */
export const AUDIT_LIST_FIELDS = ['id', 'at', 'actor', 'action', 'target', 'result', 'permission'] as const;

const AUDIT_LIST: ListPlan = {
  fields: {
    id: {sql: 'a.id', kind: 'number'},
    at: {sql: 'a.at', kind: 'time'},
    actor: 'a.actor',
    action: 'a.action',
    target: 'a.target',
    result: 'a.result',
    permission: 'a.permission',
  },
  searchable: ['actor', 'action', 'target', 'permission'],
  order: [['id', 'asc']],
};

const view = (row: AuditRow): AuditRecord => ({
  id: row.id,
  at: row.at,
  actor: row.actor,
  action: row.action,
  target: row.target,
  result: row.result,
  permission: row.permission,
  details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
});

type Pending = Omit<AuditRow, 'id' | 'seq' | 'prevHash' | 'hash'>;

/** How long a batch of records gathers when nobody waits for it (a busy server, deferred MCP call records). */
const GATHER_MS = 5;

/** Records per INSERT statement of a batch (12 parameters each, well under every engine's limit). */
const INSERT_CHUNK = 200;

/** A record's columns from `at` to `details`, in the order of the INSERT statements. */
const pendingValues = (record: Pending): unknown[] => [
  record.at,
  record.actorId,
  record.actor,
  record.action,
  record.target,
  record.result,
  record.permission,
  record.details,
];

/** The chain hash of a record stored with `id` and `seq` after the record hashed `previous`. */
const hashOf = (previous: string, id: number, seq: number, record: Pending): string =>
  chainHash(previous, {
    id,
    seq,
    at: record.at,
    actor_id: record.actorId,
    actor: record.actor,
    action: record.action,
    target: record.target,
    result: record.result,
    permission: record.permission,
    details: record.details,
  });

/** "no such table" (SQLite) or ER_NO_SUCH_TABLE (MySQL/MariaDB), as TypeORM passes them on. */
const isMissingTable = (error: unknown): boolean => {
  const driver = (error as {driverError?: {code?: string; message?: string}}).driverError;
  return (
    driver?.code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(driver?.message ?? (error as Error).message ?? '')
  );
};

/**
 * The append-only audit log: who did what to what, with which permission, and how it ended. Every
 * record is chained to the one before it by a hash (see audit-chain.ts), so `verify()` finds a record
 * that was changed or removed afterwards.
 */
export class AuditService {
  /** Records written outside a caller's transaction, group-committed: one transaction per batch. */
  private readonly batches = new WriteBatcher<Pending>(
    (pending) => this.db.transaction((manager) => this.appendMany(manager, pending), {leaf: true}),
    {gatherMs: GATHER_MS},
  );

  constructor(private readonly db: ModuleDatabase) {}

  /** Resolves once every record handed to `record` so far is written (a server's shutdown waits for it). */
  flush(): Promise<void> {
    return this.batches.drain();
  }

  /**
   * Writes one record, inside the caller's transaction when one is given (the record then stands or
   * falls with the change it describes), else in a transaction of its own.
   */
  async record(actor: Actor, entry: AuditEntry, manager?: EntityManager, options: RecordOptions = {}): Promise<void> {
    const pending: Pending = {
      at: new Date().toISOString(),
      actorId: actor.id,
      actor: actor.label,
      action: entry.action,
      target: entry.target ?? null,
      result: entry.result,
      permission: entry.permission ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    };
    // Every append runs in a transaction. Between processes the head's lock orders them (below); within
    // one process on SQLite, where every flow shares one connection, the database module's transactions
    // take turns, so two appends never interleave in one transaction.
    // Inside a transaction (given, or the one this code runs in) the record is part of it; a batch
    // would wait for the connection that transaction holds (SQLite has one per process).
    const outer = manager ?? this.db.currentTransaction();
    if (outer?.queryRunner?.isTransactionActive) await this.append(outer, pending);
    else await this.batches.add(pending, options);
  }

  /** Inserts a record of the chain (its hash follows once its id is known); returns the id. */
  private async insertChained(manager: EntityManager, record: Pending, seq: number, prevHash: string): Promise<number> {
    const result = await manager.query<unknown>(
      'INSERT INTO users_audit (at, actor_id, actor, action, target, result, permission, details, seq, prev_hash) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [...pendingValues(record), seq, prevHash],
    );
    // better-sqlite3 returns the new rowid; mysql2 a result header.
    return Number(this.db.engine === 'sqlite' ? result : (result as {insertId: number | string}).insertId);
  }

  /**
   * Appends several records at the head of the chain in one transaction: the head is locked and
   * advanced once for all of them (see append for the locking), the records get the ids after the
   * newest one (nobody else inserts while the head is locked), so each one's hash is known before it
   * is written and one INSERT writes them all. Anything unusual (no chain table, no head row) goes
   * record by record through append.
   */
  private async appendMany(manager: EntityManager, pending: readonly Pending[]): Promise<void> {
    let advanced = false;
    try {
      await manager.query(`UPDATE ${AUDIT_HEAD_TABLE} SET seq = seq + ? WHERE id = 1`, [pending.length]);
      advanced = true;
    } catch (error) {
      if (!isMissingTable(error)) throw error;
    }
    const [head] = advanced
      ? await manager.query<Array<{seq: number | string; hash: string}>>(
          `SELECT seq, hash FROM ${AUDIT_HEAD_TABLE} WHERE id = 1${this.db.engine === 'mysql' ? ' FOR UPDATE' : ''}`,
        )
      : [];
    if (!head) {
      for (const record of pending) await this.append(manager, record);
      return;
    }
    const [newest] = await manager.query<Array<{id: number | string | null}>>('SELECT MAX(id) AS id FROM users_audit');
    let id = Number(newest?.id ?? 0);
    let seq = Number(head.seq) - pending.length + 1;
    let previous = head.hash;
    const rows: unknown[][] = [];
    for (const record of pending) {
      id++;
      const hash = hashOf(previous, id, seq, record);
      rows.push([id, ...pendingValues(record), seq, previous, hash]);
      previous = hash;
      seq++;
    }
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      await manager.query(
        'INSERT INTO users_audit (id, at, actor_id, actor, action, target, result, permission, details, seq, prev_hash, hash) VALUES ' +
          chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
        chunk.flat(),
      );
    }
    await manager.query(`UPDATE ${AUDIT_HEAD_TABLE} SET hash = ? WHERE id = 1`, [previous]);
  }

  /**
   * Appends at the head of the chain. The first statement writes the head row, which takes its lock
   * before anything is read: on MySQL/MariaDB a row lock that queues concurrent writers (the SELECT then
   * reads the newest head, FOR UPDATE); on SQLite the database's write lock, taken before the
   * transaction reads, so it never works from an older snapshot (whether the transaction began
   * DEFERRED or IMMEDIATE). Two writers can therefore never both extend the same head.
   */
  private async append(manager: EntityManager, pending: Pending, restoring = false): Promise<void> {
    try {
      await manager.query(`UPDATE ${AUDIT_HEAD_TABLE} SET seq = seq + 1 WHERE id = 1`);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      // The chain's migration was rolled back (or its table dropped): the record is kept all the same,
      // outside the chain, where verify reports it; migrating again chains it.
      await manager.query(
        'INSERT INTO users_audit (at, actor_id, actor, action, target, result, permission, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          pending.at,
          pending.actorId,
          pending.actor,
          pending.action,
          pending.target,
          pending.result,
          pending.permission,
          pending.details,
        ],
      );
      return;
    }
    const [head] = await manager.query<Array<{seq: number | string; hash: string}>>(
      `SELECT seq, hash FROM ${AUDIT_HEAD_TABLE} WHERE id = 1${this.db.engine === 'mysql' ? ' FOR UPDATE' : ''}`,
    );
    if (!head) {
      if (restoring) throw new Error(`The head of the audit log (${AUDIT_HEAD_TABLE}) cannot be restored`);
      await this.restoreHead(manager);
      await this.append(manager, pending, true);
      return;
    }
    const seq = Number(head.seq);
    const id = await this.insertChained(manager, pending, seq, head.hash);
    const hash = hashOf(head.hash, id, seq, pending);
    await manager.query('UPDATE users_audit SET hash = ? WHERE id = ?', [hash, id]);
    await manager.query(`UPDATE ${AUDIT_HEAD_TABLE} SET hash = ? WHERE id = 1`, [hash]);
  }

  /**
   * Someone deleted the head row. Writing stops for nobody: the head is rebuilt from the newest chained
   * record and the first record after it says so, so `verify` reports it (a truncation that removed
   * the head too cannot be seen otherwise).
   */
  private async restoreHead(manager: EntityManager): Promise<void> {
    const [tail] = await manager.query<Array<{seq: number | string; hash: string | null}>>(
      'SELECT seq, hash FROM users_audit WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1',
    );
    const ignore = this.db.engine === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
    // IGNORE: a concurrent writer may restore it first; then this one appends after it.
    await manager.query(`${ignore} INTO ${AUDIT_HEAD_TABLE} (id, seq, hash) VALUES (1, ?, ?)`, [
      tail ? Number(tail.seq) : 0,
      tail?.hash ?? GENESIS_HASH,
    ]);
    await this.append(
      manager,
      {
        at: new Date().toISOString(),
        actorId: SYSTEM_ACTOR.id,
        actor: SYSTEM_ACTOR.label,
        action: 'audit.head-restored',
        target: AUDIT_HEAD_TABLE,
        result: 'failed',
        permission: null,
        details: JSON.stringify({
          reason:
            'the head of the audit log was missing; records removed from its end before this one cannot be detected',
          restoredAt: tail ? Number(tail.seq) : 0,
        }),
      },
      true,
    );
  }

  /** Walks the whole chain, a page at a time; the first broken record, or how many verified. */
  verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    return verifyAuditChain(this.db, options);
  }

  /** Records that involve someone as actor or target (by id or email); every record without anyone. Oldest first. */
  async involving(ids: readonly string[], query: ListQuery = WHOLE_LIST): Promise<ListResult<AuditRecord>> {
    const builder = this.db.repository(Audit).createQueryBuilder('a');
    if (ids.length > 0)
      builder.where('(a.actorId IN (:...ids) OR a.target IN (:...ids) OR a.actor IN (:...ids))', {ids});
    return this.page(builder, query);
  }

  /** Records that used or were refused a permission. Oldest first. */
  async permissionUses(query: ListQuery = WHOLE_LIST): Promise<ListResult<AuditRecord>> {
    return this.page(this.db.repository(Audit).createQueryBuilder('a').where('a.permission IS NOT NULL'), query);
  }

  private async page(builder: ListBuilder<AuditRow>, query: ListQuery): Promise<ListResult<AuditRecord>> {
    const page = await queryList(builder, query, AUDIT_LIST);
    return {...page, items: page.items.map(view)};
  }
}
