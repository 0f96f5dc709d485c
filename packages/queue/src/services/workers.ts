import {hostname} from 'node:os';
import {randomBytes} from 'node:crypto';
import {WriteBatcher, tracing, type Counter, type Histogram, type Logger} from '@systemprompt/core';
import {LEASE_EXPIRED_ON_LAST_ATTEMPT, type ClaimedJob, type JobStore, type Settlement} from './job-store.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  backoffDelay,
  describeError,
  isRetryable,
  type JobContext,
  type RegisteredQueue,
} from './handlers.js';

export interface WorkerSettings {
  concurrency: number;
  /** The operator's concurrency per queue name, over the queue owner's. */
  queueConcurrency: Readonly<Record<string, number | undefined>>;
  batchSize: number;
  leaseMs: number;
  pollMs: number;
  /** How long stop() lets running jobs finish before it aborts them. */
  drainMs: number;
}

export interface WorkerMetrics {
  /** systemprompt_queue_jobs_total{queue, outcome}: done, retried, dead, released. */
  jobs: Counter;
  /** systemprompt_queue_job_duration_seconds{queue}. */
  duration: Histogram;
}

/** What the pool tells its owner about a job that failed for good. */
export type DeadLetterListener = (job: {id: string; queue: string; attempts: number}, error: string) => void;

/** One job this process holds: claimed, maybe started. */
class HeldJob {
  /** Set when the lease was lost: whatever the run ends with is not written. */
  lost = false;
  /** Set once its outcome waits to be written: stop() must not hand it back over that outcome. */
  settling = false;
  private controller: AbortController | undefined;
  private abortedWith: unknown;

  constructor(readonly job: ClaimedJob) {}

  /** Made on first use: most handlers never look at their signal, and a controller per job costs. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  get reason(): unknown {
    return this.abortedWith;
  }

  abort(reason: Error): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }
}

interface QueueState {
  registered: RegisteredQueue;
  concurrency: number;
  buffer: ClaimedJob[];
  active: number;
  claiming: boolean;
  /** Jobs that finished since the last claim began (sets the next claim's size). */
  finishedSinceClaim: number;
  /** Finished jobs whose outcome is not written yet: they count against the room for claims (backpressure). */
  settling: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The workers of one process: claims due jobs of the registered queues in batches, runs up to each
 * queue's concurrency at once, renews the leases it holds, writes outcomes in groups, moves expired
 * leases of dead servers back to ready, and on stop hands back what it has not finished.
 */
export class WorkerPool {
  /** This process's lease owner name; unique across hosts and restarts. */
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly queues = new Map<string, QueueState>();
  private readonly held = new Map<string, HeldJob>();
  private readonly settlements: WriteBatcher<Settlement>;
  /** Set when stop() aborts the jobs still running: their attempts are handed back, not failed. */
  private shuttingDown = false;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: JobStore,
    private readonly settings: WorkerSettings,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
    private readonly onDead: DeadLetterListener,
  ) {
    // Outcomes wait up to 2 ms for others to share their write: no caller waits on them.
    this.settlements = new WriteBatcher((items) => this.store.settle(items, this.owner, Date.now()), {gatherMs: 2});
  }

  get started(): boolean {
    return this.running;
  }

  /** Starts working the given queues (their handlers registered); idempotent. */
  start(queues: readonly RegisteredQueue[]): void {
    for (const registered of queues) {
      if (this.queues.has(registered.name)) continue;
      this.queues.set(registered.name, {
        registered,
        concurrency:
          this.settings.queueConcurrency[registered.name] ??
          registered.options.concurrency ??
          this.settings.concurrency,
        buffer: [],
        active: 0,
        claiming: false,
        finishedSinceClaim: 0,
        settling: 0,
      });
    }
    if (this.running) return this.poke();
    this.running = true;
    this.shuttingDown = false;
    this.loop = this.dispatch();
    const renewEvery = Math.max(250, Math.floor(this.settings.leaseMs / 3));
    this.timers.push(setInterval(() => void this.renewLeases(), renewEvery));
    // Every server looks for expired leases; the statements move each job once, whoever runs them.
    const reapEvery = Math.max(500, Math.floor(this.settings.leaseMs / 2));
    this.timers.push(setInterval(() => void this.reap(), reapEvery));
    for (const timer of this.timers) timer.unref();
  }

  /** Looks for due jobs now (a job was enqueued in this process). */
  poke(): void {
    this.wake?.();
  }

  /**
   * Stops claiming; lets running jobs finish for `drainMs`, then aborts them; hands back the jobs it
   * holds but has not finished (their attempt not counted), so another server takes them at once.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.poke();
    await this.loop;
    const unstarted = [...this.queues.values()].flatMap((state) => state.buffer.splice(0));
    const handBack = unstarted.map((job) => this.forget(job.id, {id: job.id, outcome: 'release'}));
    const deadline = Date.now() + this.settings.drainMs;
    while (this.activeJobs() > 0 && Date.now() < deadline) await sleep(25);
    if (this.activeJobs() > 0) {
      this.shuttingDown = true;
      for (const held of this.held.values()) held.abort(new Error('The server is shutting down.'));
    }
    // Aborted handlers get a moment to end; those that do not are handed back all the same.
    const grace = Date.now() + 1000;
    while (this.activeJobs() > 0 && Date.now() < grace) await sleep(25);
    for (const [id, held] of [...this.held])
      if (!held.settling) handBack.push(this.forget(id, {id, outcome: 'release'}));
    await Promise.allSettled(handBack);
    await this.settlements.drain();
    this.queues.clear();
  }

  private activeJobs(): number {
    let active = 0;
    for (const state of this.queues.values()) active += state.active;
    return active;
  }

  private async dispatch(): Promise<void> {
    while (this.running) {
      let full = false;
      for (const state of this.queues.values()) {
        try {
          if (await this.fill(state)) full = true;
        } catch (error) {
          this.logger.warn({err: error, queue: state.registered.name}, 'Claiming jobs failed; trying again shortly');
        }
      }
      if (full || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.settings.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * Claims what the queue has room for; true when it got all it asked (more may be due). How many it
   * asks grows with how fast the jobs go: twice what finished since the previous claim, at least the
   * concurrency, at most `batchSize`. Quick jobs come in large batches (few statements per job); slow
   * ones a worker's worth at a time, so one server does not sit on jobs another could run.
   */
  private async fill(state: QueueState): Promise<boolean> {
    if (state.claiming || state.buffer.length > state.concurrency) return false;
    const wanted = Math.min(this.settings.batchSize, Math.max(state.concurrency, 2 * state.finishedSinceClaim));
    const held = state.buffer.length + state.active + state.settling;
    const room = Math.min(wanted, state.concurrency + this.settings.batchSize - held);
    if (room <= 0) return false;
    state.finishedSinceClaim = 0;
    state.claiming = true;
    try {
      const claimed = await this.store.claim(
        state.registered.name,
        room,
        this.owner,
        this.settings.leaseMs,
        Date.now(),
      );
      for (const job of claimed) {
        // Still held here means its lease ran out while it ran (this process stalled) and it came back:
        // the old run is dropped so that only this one's outcome is written.
        const stale = this.held.get(job.id);
        if (stale) {
          stale.lost = true;
          stale.abort(new Error('The lease was lost.'));
        }
        this.held.set(job.id, new HeldJob(job));
        state.buffer.push(job);
      }
      this.pump(state);
      return claimed.length === room;
    } finally {
      state.claiming = false;
    }
  }

  private pump(state: QueueState): void {
    while (this.running && state.active < state.concurrency && state.buffer.length > 0) {
      const job = state.buffer.shift()!;
      state.active++;
      void this.run(state, job).finally(() => {
        state.active--;
        state.finishedSinceClaim++;
        this.pump(state);
        if (state.buffer.length < state.concurrency) this.poke();
      });
    }
  }

  private async run(state: QueueState, job: ClaimedJob): Promise<void> {
    const held = this.held.get(job.id);
    if (!held) return;
    const {registered} = state;
    const timeoutMs = registered.options.timeoutMs;
    const timer = timeoutMs
      ? setTimeout(() => held.abort(new Error(`The job ran past its ${timeoutMs} ms timeout.`)), timeoutMs)
      : undefined;
    const context: JobContext = {
      id: job.id,
      queue: job.queue,
      payload: parsePayload(job.payload),
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      createdBy: job.createdBy,
      idempotencyKey: job.idempotencyKey,
      get signal() {
        return held.signal;
      },
      extendLease: async (ms = this.settings.leaseMs) => {
        const now = Date.now();
        const lost = await this.store.renew([job.id], this.owner, now + ms, now);
        if (lost.length > 0) this.loseLease(job.id);
      },
    };
    const started = performance.now();
    let settlement: Settlement;
    let outcome: string;
    try {
      const result = await tracing().span(
        `job ${job.queue}`,
        {kind: 'consumer', attributes: {'job.id': job.id, 'job.queue': job.queue, 'job.attempt': job.attempts}},
        async () => registered.handler(context),
      );
      settlement = {id: job.id, outcome: 'done', result: result === undefined ? null : JSON.stringify(result)};
      outcome = 'done';
    } catch (error) {
      if (this.shuttingDown) {
        settlement = {id: job.id, outcome: 'release'};
        outcome = 'released';
      } else {
        const message = describeError(held.aborted ? held.reason : error);
        const last = job.attempts >= (job.maxAttempts || DEFAULT_MAX_ATTEMPTS) || !isRetryable(error);
        settlement = last
          ? {id: job.id, outcome: 'dead', error: message}
          : {
              id: job.id,
              outcome: 'retry',
              error: message,
              runAt: Date.now() + backoffDelay(job.attempts, registered.options.backoff),
            };
        outcome = last ? 'dead' : 'retried';
        this.logger[last ? 'warn' : 'info'](
          {queue: job.queue, job: job.id, attempt: job.attempts, err: message},
          last ? 'Job failed for good' : 'Job failed; it will be retried',
        );
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
    this.metrics.duration.observe({queue: job.queue}, (performance.now() - started) / 1000);
    if (held.lost) return;
    this.metrics.jobs.inc({queue: job.queue, outcome});
    // The worker's slot is free once the handler is done; the outcome joins the next group write (the
    // job stays held, its lease renewed, until that is written).
    state.settling++;
    void this.forget(job.id, settlement, {deferred: true})
      .then(
        () => {
          if (settlement.outcome === 'dead') this.onDead(job, settlement.error);
        },
        (error: unknown) =>
          // The lease runs out and the job runs again: at least once, never lost.
          this.logger.error(
            {err: error instanceof Error ? error.message : String(error), job: job.id},
            'Writing a job outcome failed; the job will run again after its lease expires',
          ),
      )
      .finally(() => {
        state.settling--;
        this.poke();
      });
  }

  /** Writes a job's outcome and stops holding it (renewals end once it is written). */
  private async forget(id: string, settlement: Settlement, options: {deferred?: boolean} = {}): Promise<void> {
    const held = this.held.get(id);
    if (held) held.settling = true;
    try {
      await this.settlements.add(settlement, options);
    } finally {
      this.held.delete(id);
    }
  }

  private loseLease(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    held.lost = true;
    held.abort(new Error('The lease was lost (it expired and the job went back to the queue).'));
    this.held.delete(id);
    for (const state of this.queues.values()) state.buffer = state.buffer.filter((job) => job.id !== id);
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    try {
      const now = Date.now();
      const lost = await this.store.renew(ids, this.owner, now + this.settings.leaseMs, now);
      for (const id of lost) if (this.held.has(id)) this.loseLease(id);
    } catch (error) {
      this.logger.warn({err: error}, 'Renewing job leases failed; trying again at the next renewal');
    }
  }

  private async reap(): Promise<void> {
    try {
      const {requeued, dead} = await this.store.reapExpired([...this.queues.keys()], Date.now());
      for (const job of dead) this.onDead(job, LEASE_EXPIRED_ON_LAST_ATTEMPT);
      if (requeued + dead.length > 0) {
        this.logger.info({requeued, dead: dead.length}, 'Jobs with expired leases were handed back');
        this.poke();
      }
    } catch (error) {
      this.logger.warn({err: error}, 'Looking for expired job leases failed');
    }
  }
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
