import {hostname} from 'node:os';
import {conflict, type Actor, type EventBus} from '@systemprompt/core';
import {changedRows, retryingDeadlocks, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import type {QueueService} from '@systemprompt/queue';
import {SCHEDULE_FIRED} from '../events.js';
import type {ScheduleRow} from '../entities.js';
import {planTicks, type MissedPolicy} from './timing.js';
import {targetOf, timingOf} from './views.js';

/** The queue the ticks run on. */
export const FIRE_QUEUE = 'scheduler.fire';

/** What a tick's job carries: which tick (the rest is read from the tables when it runs). */
export interface FirePayload {
  scheduleId: string;
  tickAt: number;
}

/** A tick this process claimed. */
export interface ClaimedTick {
  scheduleId: string;
  schedule: string;
  tickAt: number;
  jobId: string;
  manual: boolean;
}

/** The outcome of one planner pass over one due schedule. */
export interface DueOutcome {
  claimed: ClaimedTick[];
  /** Missed ticks passed over (skip) or folded into one (run-once). */
  missed: number;
}

/** A command ran once must never run again (it may have had effects); a workflow's start is idempotent per tick. */
const attemptsFor = (row: ScheduleRow) => (targetOf(row).kind === 'command' ? 1 : 3);

/**
 * Claims ticks. A tick is claimed by inserting its (schedule_id, tick_at) row: the primary key lets
 * exactly one insert through, whichever server (or CLI) tries first; the others affect no row and
 * move on. The job that runs it and the schedule.fired event are written in the same transaction,
 * so a claimed tick always has its job and its event, and an unclaimed one has neither.
 */
export class TickClaimer {
  /** Written into each tick it claims (scheduler:history shows which process claimed what). */
  readonly processName = `${hostname().slice(0, 40)}:${process.pid}`;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly queue: QueueService,
    private readonly events: EventBus,
  ) {}

  /**
   * Fires what is due of `row` (read with next_run_at ≤ now) and moves next_run_at on, only from the
   * value it read: a server that read the schedule later has already moved it, and keeps its value.
   */
  async claimDue(row: ScheduleRow, now: number, graceMs: number): Promise<DueOutcome> {
    const due = Number(row.nextRunAt);
    const plan = planTicks(timingOf(row), due, now, graceMs, row.missed as MissedPolicy);
    return retryingDeadlocks(() =>
      this.db.transaction(async (manager) => {
        const claimed: ClaimedTick[] = [];
        for (const tickAt of plan.fire) {
          const tick = await this.insertTick(manager, row, tickAt, {manual: false});
          if (tick) claimed.push(tick);
        }
        const finished = plan.next === null ? now : null;
        await changedRows(
          manager,
          'UPDATE scheduler_schedules SET next_run_at = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ? AND next_run_at = ?',
          [plan.next, finished, row.id, due],
        );
        return {claimed, missed: plan.missed};
      }),
    );
  }

  /**
   * A tick fired by hand at `now` (scheduler:run), whatever the schedule's state. Its time is the
   * request's millisecond, moved on by a millisecond while another tick holds it.
   */
  async claimManual(row: ScheduleRow, now: number, requester: Actor): Promise<ClaimedTick> {
    return retryingDeadlocks(() =>
      this.db.transaction(async (manager) => {
        for (let tickAt = now; tickAt < now + 10; tickAt++) {
          const tick = await this.insertTick(manager, row, tickAt, {manual: true, requester});
          if (tick) return tick;
        }
        // Ten taken milliseconds in a row: the schedule is gone (MariaDB ignored the insert for its foreign key).
        throw conflict(`Schedule ${row.name} changed while it was being run`, {code: 'SCHEDULE_CHANGED'});
      }),
    );
  }

  /** Inserts the tick row; when this insert is the one that got through, enqueues its job and writes schedule.fired. */
  private async insertTick(
    manager: EntityManager,
    row: ScheduleRow,
    tickAt: number,
    options: {manual: boolean; requester?: Actor},
  ): Promise<ClaimedTick | undefined> {
    const values = [
      row.id,
      tickAt,
      options.manual ? 1 : 0,
      'pending',
      this.processName,
      options.requester?.label ?? null,
    ];
    const columns = '(schedule_id, tick_at, manual, status, claimed_by, requested_by) VALUES (?, ?, ?, ?, ?, ?)';
    // The claim. SQLite says "no row" with ON CONFLICT DO NOTHING; on MariaDB INSERT IGNORE does (it
    // also turns a foreign key failure, a schedule deleted meanwhile, into "no row": not claimed either).
    const inserted =
      this.db.engine === 'sqlite'
        ? await changedRows(manager, `INSERT INTO scheduler_ticks ${columns} ON CONFLICT DO NOTHING`, values)
        : await changedRows(manager, `INSERT IGNORE INTO scheduler_ticks ${columns}`, values);
    if (inserted === 0) return undefined;
    const payload: FirePayload = {scheduleId: row.id, tickAt};
    const job = await this.queue.enqueue(FIRE_QUEUE, payload, {
      transaction: manager,
      // A tick pruned from the history and claimed again (it cannot be: next_run_at only moves on) would still get no second job.
      idempotencyKey: `schedule:${row.id}:${tickAt}`,
      maxAttempts: attemptsFor(row),
      ...(options.requester ? {actor: options.requester} : {}),
    });
    await changedRows(manager, 'UPDATE scheduler_ticks SET job_id = ? WHERE schedule_id = ? AND tick_at = ?', [
      job.id,
      row.id,
      tickAt,
    ]);
    await changedRows(
      manager,
      'UPDATE scheduler_schedules SET last_tick_at = ?, last_status = ? WHERE id = ? AND (last_tick_at IS NULL OR last_tick_at <= ?)',
      [tickAt, 'pending', row.id, tickAt],
    );
    await this.events.emit(
      SCHEDULE_FIRED,
      {schedule: row.name, tickAt: new Date(tickAt).toISOString(), jobId: job.id, manual: options.manual},
      {transaction: manager, subject: row.name, ...(options.requester ? {actor: options.requester} : {})},
    );
    return {scheduleId: row.id, schedule: row.name, tickAt, jobId: job.id, manual: options.manual};
  }
}
