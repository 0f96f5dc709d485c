import {EntitySchema} from '@systemprompt/database/schema';

/** One job as stored. Times are milliseconds since the epoch: compared and indexed as numbers on both engines. */
export interface JobRow {
  id: string;
  queue: string;
  /** ready (waiting for run_at), running (leased), done, dead (failed its last attempt) or cancelled. */
  status: string;
  /** Lower runs first (0 is the default). */
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  /** JSON. */
  payload: string;
  /** JSON of what the handler returned, when it returned something. */
  result: string | null;
  lastError: string | null;
  /** The process holding the lease (host:pid:random), while running. */
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  idempotencyKey: string | null;
  /** The label of who enqueued it, when a person or key did. */
  createdBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

const varchar = (length: number, nullable = false) => ({type: 'varchar' as const, length, nullable});
const millis = (name: string, nullable = false) => ({type: 'bigint' as const, name, nullable});

export const Job = new EntitySchema<JobRow>({
  name: 'QueueJob',
  tableName: 'queue_jobs',
  columns: {
    id: {...varchar(26), primary: true},
    queue: varchar(100),
    status: varchar(12),
    priority: {type: 'integer'},
    runAt: millis('run_at'),
    attempts: {type: 'integer'},
    maxAttempts: {type: 'integer', name: 'max_attempts'},
    payload: {type: 'text'},
    result: {type: 'text', nullable: true},
    lastError: {type: 'text', name: 'last_error', nullable: true},
    leaseOwner: {...varchar(64, true), name: 'lease_owner'},
    leaseExpiresAt: millis('lease_expires_at', true),
    idempotencyKey: {...varchar(200, true), name: 'idempotency_key'},
    createdBy: {...varchar(320, true), name: 'created_by'},
    createdAt: millis('created_at'),
    startedAt: millis('started_at', true),
    finishedAt: millis('finished_at', true),
    updatedAt: millis('updated_at'),
  },
});

export const QUEUE_ENTITIES = [Job];
