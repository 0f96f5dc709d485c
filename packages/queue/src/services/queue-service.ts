import {
  invalidInput,
  newSortableId,
  notFound,
  conflict,
  type AccessProvider,
  type Actor,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import type {EntityManager} from '@systemprompt/database/schema';
import {queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import {Job, type JobRow} from '../entities.js';
import type {JobStore, NewJobRow} from './job-store.js';
import {DEFAULT_MAX_ATTEMPTS, type JobHandler, type QueueOptions, type RegisteredQueue} from './handlers.js';
import type {WorkerPool} from './workers.js';

export interface EnqueueOptions {
  /** When it may run (default now); or `delayMs` from now. */
  runAt?: Date | number;
  delayMs?: number;
  /** Lower runs first (default 0). */
  priority?: number;
  /** Attempts before it goes to the dead letters (default: the queue's, else 5). */
  maxAttempts?: number;
  /**
   * Makes the enqueue safe to repeat: a second job with the same key in the same queue is not added;
   * the first one's id is returned (whatever its state), with `created: false`.
   */
  idempotencyKey?: string;
  /** Who asked for it (stored as their label). */
  actor?: Actor;
  /**
   * The caller's transaction: the job is inserted in it, so it exists exactly when the caller's change
   * commits (an outbox).
   */
  transaction?: EntityManager;
}

export interface Enqueued {
  id: string;
  /** False when the idempotency key named a job already stored (its id is returned). */
  created: boolean;
}

/** A job as shown to people (times as ISO strings, payload and result parsed). */
export interface JobView {
  id: string;
  queue: string;
  status: string;
  priority: number;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  payload: unknown;
  result: unknown;
  lastError: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  idempotencyKey: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const JOB_STATUSES = ['ready', 'running', 'done', 'dead', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
const FINISHED: ReadonlySet<string> = new Set(['done', 'dead', 'cancelled']);

export interface QueueCounts {
  queue: string;
  ready: number;
  /** Ready jobs whose time has come (the rest wait for a retry delay or run_at). */
  due: number;
  running: number;
  done: number;
  dead: number;
  cancelled: number;
}

export const JOB_LIST_FIELDS = [
  'id',
  'queue',
  'status',
  'priority',
  'attempts',
  'runAt',
  'createdAt',
  'finishedAt',
  'createdBy',
  'lastError',
] as const;
const JOB_LIST: ListPlan = {
  fields: {
    id: 'j.id',
    queue: 'j.queue',
    status: 'j.status',
    priority: {sql: 'j.priority', kind: 'number'},
    attempts: {sql: 'j.attempts', kind: 'number'},
    runAt: {sql: 'j.runAt', kind: 'number'},
    createdAt: {sql: 'j.createdAt', kind: 'number'},
    finishedAt: {sql: 'j.finishedAt', kind: 'number'},
    createdBy: 'j.createdBy',
    lastError: 'j.lastError',
  },
  searchable: ['queue', 'lastError', 'createdBy'],
  // Ids sort by creation time.
  order: [['id', 'desc']],
};

const QUEUE_NAME = /^[a-z][a-z0-9_.:-]{0,99}$/;
const MAX_PAYLOAD_BYTES = 60_000;
const iso = (millis: number | string | null) => (millis === null ? null : new Date(Number(millis)).toISOString());

function parsed(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function jobView(row: JobRow): JobView {
  return {
    id: row.id,
    queue: row.queue,
    status: row.status,
    priority: Number(row.priority),
    runAt: iso(row.runAt)!,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.maxAttempts),
    payload: parsed(row.payload),
    result: parsed(row.result),
    lastError: row.lastError,
    leaseOwner: row.leaseOwner,
    leaseExpiresAt: iso(row.leaseExpiresAt),
    idempotencyKey: row.idempotencyKey,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt)!,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

/**
 * The queue as modules and people use it: modules register handlers and enqueue jobs (no actor: the
 * job's own code checks what its payload's actor may do); people list, retry and cancel jobs, each
 * behind queue:read or queue:write.
 */
export class QueueService {
  private readonly registered = new Map<string, RegisteredQueue>();

  constructor(
    private readonly db: ModuleDatabase,
    private readonly store: JobStore,
    private readonly pool: WorkerPool,
    private readonly access: () => Promise<AccessProvider>,
  ) {}

  /** The queues with a handler in this process. */
  queues(): string[] {
    return [...this.registered.keys()].sort();
  }

  /** Declares how the jobs of `queue` run (the handler runs in every process whose workers work that queue). */
  register<P = unknown, R = unknown>(queue: string, handler: JobHandler<P, R>, options: QueueOptions = {}): void {
    checkQueueName(queue);
    if (this.registered.has(queue))
      throw conflict(`The queue ${queue} already has a handler`, {code: 'QUEUE_TAKEN', details: {queue}});
    const entry: RegisteredQueue = {name: queue, handler: handler as JobHandler, options};
    this.registered.set(queue, entry);
    if (this.pool.started) this.pool.start([entry]);
  }

  /** Starts this process's workers on the registered queues (the server does; so does a CLI that waits for its job). */
  startWorkers(queues: readonly string[] = this.queues()): void {
    this.pool.start(
      queues.map((name) => this.registered.get(name)).filter((entry): entry is RegisteredQueue => !!entry),
    );
  }

  /** Hands back unfinished jobs and stops the workers (see WorkerPool.stop). */
  stopWorkers(): Promise<void> {
    return this.pool.stop();
  }

  async enqueue(queue: string, payload: unknown, options: EnqueueOptions = {}): Promise<Enqueued> {
    const [result] = await this.enqueueMany(queue, [{payload, options}], options.transaction);
    return result!;
  }

  /** Enqueues many jobs of one queue in one transaction (few statements for many jobs). */
  async enqueueMany(
    queue: string,
    jobs: ReadonlyArray<{payload: unknown; options?: Omit<EnqueueOptions, 'transaction'>}>,
    transaction?: EntityManager,
  ): Promise<Enqueued[]> {
    checkQueueName(queue);
    const now = Date.now();
    const defaultAttempts = this.registered.get(queue)?.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const rows: NewJobRow[] = jobs.map(({payload, options = {}}) =>
      rowOf(queue, payload, options, now, defaultAttempts),
    );
    const result = await this.store.insert(rows, now, transaction ?? this.db.currentTransaction());
    if (this.registered.has(queue)) this.pool.poke();
    return result;
  }

  /** One job by id, for code that waits on it (no permission: callers show only what their actor may see). */
  async find(id: string): Promise<JobView | undefined> {
    const row = await this.db.repository(Job).findOneBy({id});
    return row ? jobView(row) : undefined;
  }

  /** Waits until the job is done, dead or cancelled (polling the database, so a job run by any server counts). */
  async waitFor(id: string, options: {signal?: AbortSignal; pollMs?: number} = {}): Promise<JobView> {
    for (;;) {
      const job = await this.find(id);
      if (!job) throw notFound(`No job ${id}`, {code: 'JOB_NOT_FOUND', details: {id}});
      if (FINISHED.has(job.status)) return job;
      options.signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  }

  // ---- what people do (queue:read / queue:write) ----

  async get(actor: Actor, id: string): Promise<JobView> {
    await (await this.access()).authorize(actor, 'queue:read', 'queue.job.get', id);
    const job = await this.find(id);
    if (!job) throw notFound(`No job ${id}`, {code: 'JOB_NOT_FOUND', details: {id}, hint: 'See queue:jobs.'});
    return job;
  }

  /** Jobs, newest first unless sorted otherwise; filters and paging run in the database. */
  async list(actor: Actor, query: ListQuery): Promise<ListResult<JobView>> {
    await (await this.access()).authorize(actor, 'queue:read', 'queue.jobs.list');
    const page = await queryList(this.db.repository(Job).createQueryBuilder('j'), query, JOB_LIST);
    return {...page, items: page.items.map(jobView)};
  }

  /** Jobs per queue and state (every queue with a job, plus the registered ones). */
  async counts(actor: Actor): Promise<QueueCounts[]> {
    await (await this.access()).authorize(actor, 'queue:read', 'queue.counts');
    const rows = await this.db.manager.query<
      Array<{queue: string; status: string; n: number | string; due: number | string}>
    >(
      'SELECT queue, status, COUNT(*) AS n, SUM(CASE WHEN run_at <= ? THEN 1 ELSE 0 END) AS due FROM queue_jobs GROUP BY queue, status',
      [Date.now()],
    );
    const byQueue = new Map<string, QueueCounts>();
    const entry = (queue: string) => {
      let counts = byQueue.get(queue);
      if (!counts) byQueue.set(queue, (counts = {queue, ready: 0, due: 0, running: 0, done: 0, dead: 0, cancelled: 0}));
      return counts;
    };
    for (const queue of this.registered.keys()) entry(queue);
    for (const row of rows) {
      const counts = entry(row.queue);
      if ((JOB_STATUSES as readonly string[]).includes(row.status)) counts[row.status as JobStatus] = Number(row.n);
      if (row.status === 'ready') counts.due = Number(row.due);
    }
    return [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue));
  }

  /** Puts a dead or cancelled job back in its queue, due now, with its attempts reset. */
  async retry(actor: Actor, id: string): Promise<JobView> {
    return this.transition(actor, id, 'queue.job.retry', ['dead', 'cancelled'], (now) => ({
      status: 'ready',
      attempts: 0,
      runAt: now,
      finishedAt: null,
      updatedAt: now,
    }));
  }

  /** Cancels a job that has not finished; a running one is aborted by its worker at its next lease renewal. */
  async cancel(actor: Actor, id: string): Promise<JobView> {
    return this.transition(actor, id, 'queue.job.cancel', ['ready', 'running'], (now) => ({
      status: 'cancelled',
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: now,
      updatedAt: now,
    }));
  }

  private async transition(
    actor: Actor,
    id: string,
    action: string,
    from: readonly string[],
    change: (now: number) => Partial<JobRow>,
  ): Promise<JobView> {
    const access = await this.access();
    await access.authorize(actor, 'queue:write', action, id);
    const row = await this.db.transaction(async (manager) => {
      const jobs = manager.getRepository(Job);
      const current = await jobs.findOneBy({id});
      if (!current) throw notFound(`No job ${id}`, {code: 'JOB_NOT_FOUND', details: {id}, hint: 'See queue:jobs.'});
      if (!from.includes(current.status))
        throw conflict(`Job ${id} is ${current.status}`, {
          code: 'JOB_STATE',
          details: {id, status: current.status},
          hint: `Only a job that is ${from.join(' or ')} can be ${action.endsWith('retry') ? 'retried' : 'cancelled'}.`,
        });
      const update = change(Date.now());
      // The status it was read with guards the write: a worker that finished it meanwhile wins.
      const result = await jobs.update({id, status: current.status}, update);
      if (!result.affected)
        throw conflict(`Job ${id} changed while this ran`, {
          code: 'JOB_STATE',
          details: {id},
          hint: 'Look again with queue:job.',
        });
      return {...current, ...update};
    });
    await access.record(actor, {
      action,
      target: id,
      result: 'ok',
      permission: 'queue:write',
      details: {queue: row.queue},
    });
    if (row.status === 'ready') this.pool.poke();
    return jobView(row);
  }
}

function checkQueueName(queue: string): void {
  if (!QUEUE_NAME.test(queue))
    throw invalidInput(`Invalid queue name ${JSON.stringify(queue)}`, {
      code: 'QUEUE_NAME_INVALID',
      hint: 'Lower case letters, digits and . _ : -, starting with a letter, at most 100 characters.',
    });
}

function rowOf(
  queue: string,
  payload: unknown,
  options: EnqueueOptions,
  now: number,
  defaultAttempts: number,
): NewJobRow {
  const text = JSON.stringify(payload ?? null);
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES)
    throw invalidInput(`The job's payload is larger than ${MAX_PAYLOAD_BYTES} bytes`, {
      code: 'JOB_PAYLOAD_TOO_LARGE',
      hint: 'Store large data elsewhere (a table or file) and put its id in the payload.',
    });
  const runAt =
    options.runAt !== undefined
      ? Number(options.runAt instanceof Date ? options.runAt.getTime() : options.runAt)
      : now + (options.delayMs ?? 0);
  const maxAttempts = options.maxAttempts ?? defaultAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1000)
    throw invalidInput('maxAttempts must be a whole number from 1 to 1000', {code: 'JOB_OPTIONS_INVALID'});
  if (!Number.isFinite(runAt)) throw invalidInput('runAt is not a time', {code: 'JOB_OPTIONS_INVALID'});
  const key = options.idempotencyKey ?? null;
  if (key !== null && (key.length === 0 || key.length > 200))
    throw invalidInput('An idempotency key has 1 to 200 characters', {code: 'JOB_OPTIONS_INVALID'});
  return {
    id: newSortableId(now),
    queue,
    payload: text,
    priority: Math.trunc(options.priority ?? 0),
    runAt,
    maxAttempts,
    idempotencyKey: key,
    createdBy: options.actor?.label ?? null,
  };
}
