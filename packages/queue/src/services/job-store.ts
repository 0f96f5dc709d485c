import type {EntityManager} from '@systemprompt/database/schema';
import {changedRows, retryingDeadlocks, type ModuleDatabase} from '@systemprompt/database';

/** A job as a worker receives it from a claim. */
export interface ClaimedJob {
  id: string;
  queue: string;
  payload: string;
  priority: number;
  /** This attempt's number (1 for the first). */
  attempts: number;
  maxAttempts: number;
  runAt: number;
  createdBy: string | null;
  idempotencyKey: string | null;
}

/** A job to insert, its values final. */
export interface NewJobRow {
  id: string;
  queue: string;
  payload: string;
  priority: number;
  runAt: number;
  maxAttempts: number;
  idempotencyKey: string | null;
  createdBy: string | null;
}

/** A finished attempt, written with others in one statement where their outcome allows. */
export type Settlement =
  | {id: string; outcome: 'done'; result: string | null}
  | {id: string; outcome: 'retry'; runAt: number; error: string}
  | {id: string; outcome: 'dead'; error: string}
  /** Handed back without counting the attempt (shutdown, or held but never started). */
  | {id: string; outcome: 'release'};

const CLAIMED_COLUMNS =
  'id, queue, payload, priority, attempts, max_attempts AS maxAttempts, run_at AS runAt, created_by AS createdBy, idempotency_key AS idempotencyKey';
const INSERT_CHUNK = 200;
export const LEASE_EXPIRED_ON_LAST_ATTEMPT = 'The lease expired on the last attempt (the worker died or hung).';
/** Ids in statements of at most 500 parameters' worth (far below both engines' limits). */
function* chunks(ids: readonly string[], size = 500): Generator<string[]> {
  for (let start = 0; start < ids.length; start += size) yield ids.slice(start, start + size);
}

const placeholders = (count: number) => Array.from({length: count}, () => '?').join(', ');

function claimedOf(row: Record<string, unknown>): ClaimedJob {
  return {
    id: String(row.id),
    queue: String(row.queue),
    payload: String(row.payload),
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.maxAttempts),
    runAt: Number(row.runAt),
    createdBy: (row.createdBy as string | null) ?? null,
    idempotencyKey: (row.idempotencyKey as string | null) ?? null,
  };
}

/**
 * The SQL of the queue, per engine, counted in round trips: a claim is one statement on SQLite
 * (UPDATE ... RETURNING inside the one writer's transaction) and one SELECT ... FOR UPDATE SKIP LOCKED
 * plus one UPDATE on MySQL/MariaDB, for a whole batch; the outcomes of many jobs are written together.
 */
export class JobStore {
  constructor(private readonly db: ModuleDatabase) {}

  get engine(): 'sqlite' | 'mysql' {
    return this.db.engine === 'sqlite' ? 'sqlite' : 'mysql';
  }

  /**
   * Inserts the jobs; a job whose (queue, idempotency key) is already stored is not inserted again.
   * Returns, per job, the id that holds it (its own, or the stored one's) and whether it is new.
   */
  async insert(
    jobs: readonly NewJobRow[],
    now: number,
    manager?: EntityManager,
  ): Promise<Array<{id: string; created: boolean}>> {
    const write = async (em: EntityManager) => {
      for (let start = 0; start < jobs.length; start += INSERT_CHUNK) {
        const chunk = jobs.slice(start, start + INSERT_CHUNK);
        const values = chunk.flatMap((job) => [
          job.id,
          job.queue,
          'ready',
          job.priority,
          job.runAt,
          0,
          job.maxAttempts,
          job.payload,
          job.idempotencyKey,
          job.createdBy,
          now,
          now,
        ]);
        const keyed = chunk.some((job) => job.idempotencyKey !== null);
        const conflict = !keyed
          ? ''
          : this.engine === 'sqlite'
            ? ' ON CONFLICT DO NOTHING'
            : ' ON DUPLICATE KEY UPDATE id = id';
        await em.query(
          'INSERT INTO queue_jobs (id, queue, status, priority, run_at, attempts, max_attempts, payload, idempotency_key, created_by, created_at, updated_at) VALUES ' +
            chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ') +
            conflict,
          values,
        );
      }
      return this.resolveKeys(em, jobs);
    };
    if (manager) return write(manager);
    return this.db.transaction(write, {leaf: true});
  }

  /** The stored id of each keyed job (its own when it was inserted). */
  private async resolveKeys(
    em: EntityManager,
    jobs: readonly NewJobRow[],
  ): Promise<Array<{id: string; created: boolean}>> {
    const keyed = jobs.filter((job) => job.idempotencyKey !== null);
    const stored = new Map<string, string>();
    for (let start = 0; start < keyed.length; start += INSERT_CHUNK) {
      const chunk = keyed.slice(start, start + INSERT_CHUNK);
      const rows = await em.query<Array<{id: string; queue: string; idempotencyKey: string}>>(
        `SELECT id, queue, idempotency_key AS idempotencyKey FROM queue_jobs WHERE ${chunk.map(() => '(queue = ? AND idempotency_key = ?)').join(' OR ')}`,
        chunk.flatMap((job) => [job.queue, job.idempotencyKey]),
      );
      for (const row of rows) stored.set(`${row.queue}\u0000${row.idempotencyKey}`, String(row.id));
    }
    return jobs.map((job) => {
      if (job.idempotencyKey === null) return {id: job.id, created: true};
      const id = stored.get(`${job.queue}\u0000${job.idempotencyKey}`) ?? job.id;
      return {id, created: id === job.id};
    });
  }

  /**
   * Leases up to `limit` due jobs of `queue` to `owner` until `now + leaseMs`, in the claim index's
   * order (priority, run_at, id), counting an attempt for each.
   */
  async claim(queue: string, limit: number, owner: string, leaseMs: number, now: number): Promise<ClaimedJob[]> {
    const lease = [owner, now + leaseMs, now, now];
    if (this.engine === 'sqlite') {
      const rows = await this.db.transaction(
        (em) =>
          em.query<Array<Record<string, unknown>>>(
            `UPDATE queue_jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, started_at = ?, updated_at = ?
             WHERE id IN (SELECT id FROM queue_jobs WHERE queue = ? AND status = 'ready' AND run_at <= ? ORDER BY priority, run_at, id LIMIT ?)
             RETURNING ${CLAIMED_COLUMNS}`,
            [...lease, queue, now, limit],
          ),
        {leaf: true},
      );
      return rows.map(claimedOf).sort((a, b) => a.priority - b.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : 1));
    }
    return retryingDeadlocks(() =>
      this.db.dataSource.transaction('READ COMMITTED', async (em) => {
        const rows = await em.query<Array<Record<string, unknown>>>(
          `SELECT ${CLAIMED_COLUMNS} FROM queue_jobs WHERE queue = ? AND status = 'ready' AND run_at <= ?
           ORDER BY priority, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
          [queue, now, limit],
        );
        if (rows.length === 0) return [];
        await em.query(
          `UPDATE queue_jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, started_at = ?, updated_at = ?
           WHERE id IN (${placeholders(rows.length)})`,
          [...lease, ...rows.map((row) => row.id)],
        );
        return rows.map((row) => ({...claimedOf(row), attempts: Number(row.attempts) + 1}));
      }),
    );
  }

  /**
   * Writes the outcomes of finished attempts, only where `owner` still holds the lease (a job whose
   * lease expired and went to another worker keeps that worker's outcome). Plain outcomes (done with
   * no result, released) of many jobs are one statement each.
   */
  async settle(settlements: readonly Settlement[], owner: string, now: number): Promise<void> {
    if (settlements.length === 0) return;
    const held = `lease_owner = ? AND status = 'running'`;
    // Each statement stands alone (one job's outcome never depends on another's): on MySQL/MariaDB they
    // run without a transaction around them, a commit each and no more round trips.
    await this.statements(async (em) => {
      const plainDone = settlements.filter((entry) => entry.outcome === 'done' && entry.result === null);
      const released = settlements.filter((entry) => entry.outcome === 'release');
      for (const ids of chunks(plainDone.map((entry) => entry.id)))
        await em.query(
          `UPDATE queue_jobs SET status = 'done', lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
           WHERE ${held} AND id IN (${placeholders(ids.length)})`,
          [now, now, owner, ...ids],
        );
      for (const ids of chunks(released.map((entry) => entry.id)))
        await em.query(
          `UPDATE queue_jobs SET status = 'ready', lease_owner = NULL, lease_expires_at = NULL, attempts = attempts - 1, updated_at = ?
           WHERE ${held} AND id IN (${placeholders(ids.length)})`,
          [now, owner, ...ids],
        );
      for (const entry of settlements) {
        if (entry.outcome === 'done' && entry.result !== null)
          await em.query(
            `UPDATE queue_jobs SET status = 'done', result = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE ${held} AND id = ?`,
            [entry.result, now, now, owner, entry.id],
          );
        else if (entry.outcome === 'retry')
          await em.query(
            `UPDATE queue_jobs SET status = 'ready', run_at = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE ${held} AND id = ?`,
            [entry.runAt, entry.error, now, owner, entry.id],
          );
        else if (entry.outcome === 'dead')
          await em.query(
            `UPDATE queue_jobs SET status = 'dead', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE ${held} AND id = ?`,
            [entry.error, now, now, owner, entry.id],
          );
      }
    });
  }

  /** Extends `owner`'s leases on `ids`; returns the ids it no longer holds (expired and claimed by another, or cancelled). */
  async renew(ids: readonly string[], owner: string, expiresAt: number, now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.inTransaction(async (em) => {
      const held = new Set<string>();
      for (const chunk of chunks(ids)) {
        const where = `lease_owner = ? AND status = 'running' AND id IN (${placeholders(chunk.length)})`;
        await em.query(`UPDATE queue_jobs SET lease_expires_at = ?, updated_at = ? WHERE ${where}`, [
          expiresAt,
          now,
          owner,
          ...chunk,
        ]);
        const still = await em.query<Array<{id: string}>>(`SELECT id FROM queue_jobs WHERE ${where}`, [
          owner,
          ...chunk,
        ]);
        for (const row of still) held.add(String(row.id));
      }
      return ids.filter((id) => !held.has(id));
    });
  }

  /**
   * Jobs of `queues` whose lease expired (their server died or hung): back to ready (due at once) while
   * they have attempts left, else dead. Every server with workers on a queue runs this; each expired job
   * is moved once, whoever runs it. The claim index finds them: (queue, 'running') holds only the jobs
   * in flight.
   */
  async reapExpired(
    queues: readonly string[],
    now: number,
  ): Promise<{requeued: number; dead: Array<{id: string; queue: string; attempts: number}>}> {
    if (queues.length === 0) return {requeued: 0, dead: []};
    const expired = `queue IN (${placeholders(queues.length)}) AND status = 'running' AND lease_expires_at < ?`;
    return this.inTransaction(async (em) => {
      // The last attempts among them go to the dead letters, named one by one (each gets job.failed).
      const last = await em.query<Array<{id: string; queue: string; attempts: number | string}>>(
        `SELECT id, queue, attempts FROM queue_jobs WHERE ${expired} AND attempts >= max_attempts${this.engine === 'mysql' ? ' FOR UPDATE' : ''}`,
        [...queues, now],
      );
      const dead = last.map((row) => ({id: String(row.id), queue: String(row.queue), attempts: Number(row.attempts)}));
      if (dead.length > 0)
        await em.query(
          `UPDATE queue_jobs SET status = 'dead', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
           WHERE status = 'running' AND id IN (${placeholders(dead.length)})`,
          [LEASE_EXPIRED_ON_LAST_ATTEMPT, now, now, ...dead.map((job) => job.id)],
        );
      const requeued = await changedRows(
        em,
        `UPDATE queue_jobs SET status = 'ready', run_at = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
         WHERE ${expired}`,
        [now, 'The lease expired (the worker died or hung); run again.', now, ...queues, now],
      );
      return {requeued, dead};
    });
  }

  /** Independent statements: SQLite's one writer in turn, or MySQL/MariaDB's pool in autocommit. */
  private statements<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.engine === 'sqlite') return this.db.transaction(work, {leaf: true});
    return retryingDeadlocks(() => work(this.db.manager));
  }

  private inTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.engine === 'sqlite') return this.db.transaction(work, {leaf: true});
    return retryingDeadlocks(() => this.db.dataSource.transaction('READ COMMITTED', work));
  }
}
