import type {Logger} from '@systemprompt/core';
import {changedRows, retryingDeadlocks, type ModuleDatabase} from '@systemprompt/database';
import type {QueueService} from '@systemprompt/queue';
import {Schedule} from '../entities.js';
import type {ClaimedTick, TickClaimer} from './claims.js';

export interface PlannerSettings {
  intervalMs: number;
  graceMs: number;
  historyDays: number;
}

/** What one pass did. */
export interface PlannerPass {
  /** Schedules found due. */
  due: number;
  claimed: ClaimedTick[];
  /** Missed ticks passed over or folded into one, over all schedules. */
  missed: number;
}

/** Schedules one pass looks at, most overdue first; more wait for the next pass. */
const DUE_BATCH = 100;
/** How often unfinished ticks are compared with their jobs, and old ones pruned. */
const RECONCILE_EVERY_MS = 10_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** A tick this long unfinished is looked at: its job may have died without writing the tick. */
const STALE_TICK_MS = 30_000;
const DAY_MS = 86_400_000;

/**
 * The planner of one server: every `intervalMs` it claims the ticks of the schedules that are due.
 * Every server of an installation runs one; nothing of it lives in memory between passes (each reads
 * next_run_at from the database), so servers may come and go, and one tick is fired by one of them.
 */
export class Planner {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pass: Promise<unknown> | undefined;
  private lastReconcile = 0;
  private lastPrune = 0;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly claimer: TickClaimer,
    private readonly queue: QueueService,
    private readonly settings: PlannerSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops planning; resolves once the pass in progress has committed or rolled back. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.pass = this.runPass().finally(() => {
        if (this.running) this.schedule(this.settings.intervalMs);
      });
    }, delay);
  }

  private async runPass(): Promise<void> {
    const now = Date.now();
    try {
      await this.tick(now);
      if (now - this.lastReconcile >= RECONCILE_EVERY_MS) {
        this.lastReconcile = now;
        await this.reconcile(now);
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        await this.prune(now);
      }
    } catch (error) {
      this.logger.warn({err: error}, 'A planner pass failed; trying again at the next one');
    }
  }

  /**
   * One pass at `now` (tests pass their own clock): claims what is due of every schedule whose
   * next_run_at has come. One schedule that fails to claim does not hold up the others.
   */
  async tick(now: number = Date.now()): Promise<PlannerPass> {
    const due = await this.db
      .repository(Schedule)
      .createQueryBuilder('s')
      .where('s.nextRunAt IS NOT NULL AND s.nextRunAt <= :now', {now})
      .orderBy('s.nextRunAt', 'ASC')
      .limit(DUE_BATCH)
      .getMany();
    const result: PlannerPass = {due: due.length, claimed: [], missed: 0};
    for (const row of due) {
      try {
        const outcome = await this.claimer.claimDue(row, now, this.settings.graceMs);
        result.claimed.push(...outcome.claimed);
        result.missed += outcome.missed;
        if (outcome.missed > 0)
          this.logger.info(
            {schedule: row.name, missed: outcome.missed, policy: row.missed},
            'Ticks were missed while no server ran',
          );
      } catch (error) {
        this.logger.warn({err: error, schedule: row.name}, 'Claiming the ticks of a schedule failed');
      }
    }
    return result;
  }

  /**
   * Ticks whose job ended without writing them (it died on its last attempt, or was cancelled with
   * queue:cancel) are failed with what the job says.
   */
  async reconcile(now: number = Date.now()): Promise<number> {
    const stale = await this.db.manager.query<
      Array<{scheduleId: string; tickAt: number | string; jobId: string | null}>
    >(
      `SELECT schedule_id AS scheduleId, tick_at AS tickAt, job_id AS jobId FROM scheduler_ticks
       WHERE status IN ('pending', 'running') AND tick_at < ? ORDER BY tick_at LIMIT 100`,
      [now - STALE_TICK_MS],
    );
    let failed = 0;
    for (const tick of stale) {
      const job = tick.jobId ? await this.queue.find(tick.jobId) : undefined;
      if (job && !['dead', 'cancelled', 'done'].includes(job.status)) continue;
      const error = !job
        ? 'Its job is gone from the queue.'
        : job.status === 'cancelled'
          ? 'Its job was cancelled.'
          : (job.lastError ?? `Its job ended (${job.status}) without recording the outcome.`);
      failed += await retryingDeadlocks(() =>
        this.db.transaction(
          async (em) => {
            const count = await changedRows(
              em,
              `UPDATE scheduler_ticks SET status = 'failed', error = ?, finished_at = ? WHERE schedule_id = ? AND tick_at = ? AND status IN ('pending', 'running')`,
              [error, now, tick.scheduleId, Number(tick.tickAt)],
            );
            await changedRows(
              em,
              "UPDATE scheduler_schedules SET last_status = 'failed' WHERE id = ? AND last_tick_at = ?",
              [tick.scheduleId, Number(tick.tickAt)],
            );
            return count;
          },
          {leaf: true},
        ),
      );
    }
    return failed;
  }

  /** Finished ticks older than historyDays go (next_run_at never moves back, so a pruned tick is never claimed again). */
  async prune(now: number = Date.now()): Promise<number> {
    return this.pruneBefore(now - this.settings.historyDays * DAY_MS);
  }

  /** Finished ticks before `cutoff` (epoch ms) go; with dryRun they are only counted. */
  async pruneBefore(cutoff: number, options: {dryRun?: boolean} = {}): Promise<number> {
    const finishedBefore = "status IN ('ok', 'failed') AND tick_at < ?";
    if (options.dryRun) {
      const [row] = await this.db.manager.query<Array<{n: number | string}>>(
        `SELECT COUNT(*) AS n FROM scheduler_ticks WHERE ${finishedBefore}`,
        [cutoff],
      );
      return Number(row?.n ?? 0);
    }
    return retryingDeadlocks(() =>
      this.db.transaction((em) => changedRows(em, `DELETE FROM scheduler_ticks WHERE ${finishedBefore}`, [cutoff]), {
        leaf: true,
      }),
    );
  }
}
