import {EntitySchema} from '@systemprompt/database/schema';

/**
 * A schedule as stored. Times are milliseconds since the epoch, as the queue stores them: compared
 * and indexed as numbers on both engines (the planner asks "next_run_at <= now" several times a second).
 */
export interface ScheduleRow {
  id: string;
  /** Unique, lower-case slug: how people name it. */
  name: string;
  description: string | null;
  /** A croner pattern (5 to 7 fields, nicknames such as @hourly), or null for a one-off. */
  cron: string | null;
  /** The IANA zone the pattern (or a one-off time written without an offset) is read in. */
  tz: string;
  /** The one-off's time, or null for a cron schedule. */
  at: number | null;
  /** `workflow` or `command`. */
  targetKind: string;
  /** JSON: {workflow, input} or {command}. */
  target: string;
  /** `skip` or `run-once`. */
  missed: string;
  paused: boolean;
  /** JSON StoredActor: who the ticks act as (whoever last set the target). */
  owner: string;
  ownerLabel: string;
  /** The next tick to claim; null while paused, and once a one-off has fired. */
  nextRunAt: number | null;
  lastTickAt: number | null;
  /** The outcome of the latest tick (pending, running, ok, failed). */
  lastStatus: string | null;
  /** When a one-off fired (or was skipped) and so finished. */
  finishedAt: number | null;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}

/**
 * One tick: claimed by inserting this row, whose primary key (schedule_id, tick_at) is what makes two
 * servers unable to fire the same tick; then the job's outcome.
 */
export interface TickRow {
  scheduleId: string;
  tickAt: number;
  /** Fired by scheduler:run rather than by the planner. */
  manual: boolean;
  /** The queue job that runs it. */
  jobId: string | null;
  /** pending (enqueued), running, ok or failed. */
  status: string;
  /** The process that claimed it (host:pid). */
  claimedBy: string;
  /** Who asked for a manual tick. */
  requestedBy: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** A command target's exit code. */
  exitCode: number | null;
  /** What a workflow target started (its run id). */
  reference: string | null;
  error: string | null;
  /** The head of a command's output (standard output and error, as they came). */
  output: string | null;
}

const varchar = (length: number, nullable = false) => ({type: 'varchar' as const, length, nullable});
const millis = (name: string, nullable = false) => ({type: 'bigint' as const, name, nullable});

export const Schedule = new EntitySchema<ScheduleRow>({
  name: 'SchedulerSchedule',
  tableName: 'scheduler_schedules',
  columns: {
    id: {...varchar(36), primary: true},
    name: varchar(64),
    description: {...varchar(500, true)},
    cron: varchar(200, true),
    tz: varchar(64),
    at: millis('at', true),
    targetKind: {...varchar(16), name: 'target_kind'},
    target: {type: 'text'},
    missed: varchar(16),
    paused: {type: 'boolean'},
    owner: {type: 'text'},
    ownerLabel: {...varchar(320), name: 'owner_label'},
    nextRunAt: millis('next_run_at', true),
    lastTickAt: millis('last_tick_at', true),
    lastStatus: {...varchar(12, true), name: 'last_status'},
    finishedAt: millis('finished_at', true),
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
    updatedBy: {...varchar(320), name: 'updated_by'},
  },
});

export const Tick = new EntitySchema<TickRow>({
  name: 'SchedulerTick',
  tableName: 'scheduler_ticks',
  columns: {
    scheduleId: {...varchar(36), name: 'schedule_id', primary: true},
    tickAt: {...millis('tick_at'), primary: true},
    manual: {type: 'boolean'},
    jobId: {...varchar(26, true), name: 'job_id'},
    status: varchar(12),
    claimedBy: {...varchar(64), name: 'claimed_by'},
    requestedBy: {...varchar(320, true), name: 'requested_by'},
    startedAt: millis('started_at', true),
    finishedAt: millis('finished_at', true),
    exitCode: {type: 'integer', name: 'exit_code', nullable: true},
    reference: varchar(200, true),
    error: {type: 'text', nullable: true},
    output: {type: 'text', nullable: true},
  },
});

export const SCHEDULER_ENTITIES = [Schedule, Tick];
