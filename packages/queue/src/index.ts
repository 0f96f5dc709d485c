import {BaseModule, SYSTEM_ACTOR, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {DATABASE, pruneRows} from '@systemprompt/database';
import {QUEUE_ENTITIES} from './entities.js';
import type {QueueConfig} from './generated/config.js';
import {JobStore} from './services/job-store.js';
import {WorkerPool} from './services/workers.js';
import {JOB_STATUSES, QueueService} from './services/queue-service.js';

export type {QueueConfig} from './generated/config.js';
export {
  QueueService,
  JOB_STATUSES,
  type EnqueueOptions,
  type Enqueued,
  type JobView,
  type JobStatus,
  type QueueCounts,
} from './services/queue-service.js';
export {
  PermanentJobError,
  backoffDelay,
  isRetryable,
  type JobContext,
  type JobHandler,
  type QueueOptions,
} from './services/handlers.js';

/** What the queue module publishes to the modules that depend on it (scheduler, workflows, webhooks, agents). */
export interface QueueApi {
  config: QueueConfig;
  queue: QueueService;
}

/** The payload of `job.failed`. */
export interface JobFailedPayload {
  id: string;
  queue: string;
  attempts: number;
  error: string;
}

export class QueueModule extends BaseModule<QueueConfig> {
  readonly name = 'queue';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private service: QueueService | undefined;

  override async initialize(context: ModuleContext<QueueConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger} = context;
    const db = await context.services.get(DATABASE).forModule(context, QUEUE_ENTITIES);
    const store = new JobStore(db);
    const metrics = {
      jobs: context.metrics.counter({
        name: 'jobs_total',
        help: 'Job attempts this server finished, by queue and outcome (done, retried, dead, released).',
        labelNames: ['queue', 'outcome'],
      }),
      duration: context.metrics.histogram({
        name: 'job_duration_seconds',
        help: 'How long job attempts ran, by queue.',
        labelNames: ['queue'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      }),
    };
    const pool = new WorkerPool(
      store,
      {
        concurrency: config.concurrency,
        queueConcurrency: config.queueConcurrency,
        batchSize: config.batchSize,
        leaseMs: config.leaseSeconds * 1000,
        pollMs: config.pollMs,
        drainMs: config.shutdownGraceSeconds * 1000,
      },
      metrics,
      logger,
      (job, error) =>
        void events
          .emit<JobFailedPayload>(
            'job.failed',
            {id: job.id, queue: job.queue, attempts: job.attempts, error},
            {subject: job.id},
          )
          .catch((failure: unknown) => logger.warn({err: failure}, 'Recording job.failed failed')),
    );
    const service = (this.service = new QueueService(db, store, pool, () => context.access()));
    context.retention.add({
      name: 'jobs',
      description: 'Finished jobs (done, dead or cancelled)',
      keepDays: config.retentionDays,
      setting: 'queue.retentionDays',
      prune: (before, options) =>
        pruneRows(
          db,
          {
            table: 'queue_jobs',
            key: 'id',
            where: "status IN ('done', 'dead', 'cancelled') AND updated_at < ?",
            params: [before.getTime()],
          },
          options,
        ),
    });
    context.provide<QueueApi>({config, queue: service});
    context.metrics.gauge({
      name: 'jobs',
      help: 'Jobs in the database by queue and state (ready, due, running, done, dead, cancelled), counted at each scrape.',
      labelNames: ['queue', 'status'],
      collect: async (gauge) => {
        for (const counts of await service.counts(SYSTEM_ACTOR))
          for (const status of [...JOB_STATUSES, 'due'] as const)
            gauge.set({queue: counts.queue, status}, counts[status]);
      },
    });
  }

  /**
   * The server starts the workers after every module initialized (their handlers are registered by
   * then); modules that start after this one register theirs into the running pool.
   */
  override async start(): Promise<void> {
    if (this.context?.config.workers) this.service?.startWorkers();
  }

  override async stop(): Promise<void> {
    await this.service?.stopWorkers();
  }
}

export default (): QueueModule => new QueueModule();
export {QUEUE} from './token.js';
export {storedActor, actorOf, type StoredActor} from './services/stored-actor.js';
