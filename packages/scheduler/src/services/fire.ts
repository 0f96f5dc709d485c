import type {Logger} from '@systemprompt/core';
import {changedRows, retryingDeadlocks, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {PermanentJobError, actorOf, isRetryable, type JobContext} from '@systemprompt/queue';
import {Schedule, Tick, type TickRow} from '../entities.js';
import type {FirePayload} from './claims.js';
import type {CommandRunner} from './command-runner.js';
import type {TargetRegistry} from './targets.js';
import {ownerOf, targetOf} from './views.js';

/** What a tick's job returns (stored as the job's result). */
export interface FireResult {
  status: 'ok' | 'failed' | 'gone';
  exitCode?: number | null;
  reference?: string;
}

type Outcome = Partial<Pick<TickRow, 'exitCode' | 'reference' | 'error' | 'output'>> & {
  status: 'running' | 'ok' | 'failed';
};

const FINISHED = new Set(['ok', 'failed']);

/** An error in one line with its code first (what history shows). */
export function describeFailure(error: unknown): string {
  const code = (error as {code?: unknown} | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const text = typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? `${code}: ${message}` : message;
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * The handler of the scheduler.fire queue: runs one tick's target as the schedule's owner and writes
 * the outcome into the tick. A tick already finished is not run again (a job repeated after its
 * outcome was written); a command tick found started by an earlier attempt is failed rather than
 * run a second time. A command that ran is never retried: its job fails with the tick.
 */
export class FireHandler {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly targets: TargetRegistry,
    private readonly commands: CommandRunner,
    private readonly logger: Logger,
  ) {}

  readonly handle = async (job: JobContext<FirePayload>): Promise<FireResult> => {
    const {scheduleId, tickAt} = job.payload;
    const schedule = await this.db.repository(Schedule).findOneBy({id: scheduleId});
    const tick = await this.db.repository(Tick).findOneBy({scheduleId, tickAt});
    // Deleted with its schedule: nothing to run, nobody to tell.
    if (!schedule || !tick) return {status: 'gone'};
    if (FINISHED.has(tick.status)) return {status: tick.status as 'ok' | 'failed'};
    const target = targetOf(schedule);
    if (tick.status === 'running' && target.kind === 'command') {
      await this.record(scheduleId, tickAt, {
        status: 'failed',
        error: 'An earlier attempt started the command and did not finish; a command is never run twice.',
      });
      return {status: 'failed'};
    }
    await this.write(async (em) => {
      await changedRows(
        em,
        "UPDATE scheduler_ticks SET status = 'running', started_at = ?, job_id = ? WHERE schedule_id = ? AND tick_at = ? AND status IN ('pending', 'running')",
        [Date.now(), job.id, scheduleId, tickAt],
      );
      await this.noteStatus(em, scheduleId, tickAt, 'running');
    });
    const owner = actorOf(ownerOf(schedule));
    const tickInfo = {schedule: schedule.name, tickAt: new Date(tickAt).toISOString()};
    try {
      if (target.kind === 'workflow') {
        const {reference} = await this.targets
          .require('workflow')
          .start(target.workflow, target.input, owner, tickInfo);
        await this.record(scheduleId, tickAt, {status: 'ok', reference: String(reference).slice(0, 200)});
        return {status: 'ok', reference};
      }
      const outcome = await this.commands.run(target.argv, owner, {...tickInfo, signal: job.signal});
      const ok = outcome.exitCode === 0 && !outcome.interrupted;
      const error = ok ? null : (outcome.interrupted ?? `The command exited with ${outcome.exitCode}`);
      await this.record(scheduleId, tickAt, {
        status: ok ? 'ok' : 'failed',
        exitCode: outcome.exitCode,
        output: outcome.output,
        error,
      });
      // Stopped with the server: the outcome is written and the job ends here, so no other server runs the command again.
      if (!ok && !job.signal.aborted) throw new PermanentJobError(error!);
      return {status: ok ? 'ok' : 'failed', exitCode: outcome.exitCode};
    } catch (error) {
      if (error instanceof PermanentJobError) throw error;
      const last = !isRetryable(error) || job.attempt >= job.maxAttempts;
      await this.record(scheduleId, tickAt, {status: last ? 'failed' : 'running', error: describeFailure(error)}).catch(
        (failure: unknown) =>
          this.logger.warn({err: failure, schedule: schedule.name}, 'Recording a failed tick failed'),
      );
      throw error;
    }
  };

  /** Writes a tick's outcome (its status, and finished_at once it is final), and the schedule's last status. */
  private record(scheduleId: string, tickAt: number, outcome: Outcome): Promise<void> {
    const final = outcome.status !== 'running';
    return this.write(async (em) => {
      await changedRows(
        em,
        `UPDATE scheduler_ticks SET status = ?, finished_at = ?, exit_code = ?, reference = ?, error = ?, output = ?
         WHERE schedule_id = ? AND tick_at = ? AND status IN ('pending', 'running')`,
        [
          outcome.status,
          final ? Date.now() : null,
          outcome.exitCode ?? null,
          outcome.reference ?? null,
          outcome.error ?? null,
          outcome.output ?? null,
          scheduleId,
          tickAt,
        ],
      );
      await this.noteStatus(em, scheduleId, tickAt, outcome.status);
    });
  }

  /** The schedule's last status follows its latest tick only. */
  private async noteStatus(em: EntityManager, scheduleId: string, tickAt: number, status: string): Promise<void> {
    await changedRows(em, 'UPDATE scheduler_schedules SET last_status = ? WHERE id = ? AND last_tick_at = ?', [
      status,
      scheduleId,
      tickAt,
    ]);
  }

  /** A short transaction of its own (on SQLite, writes wait for the turn of the one connection). */
  private write(work: (em: EntityManager) => Promise<void>): Promise<void> {
    return retryingDeadlocks(() => this.db.transaction(work, {leaf: true}));
  }
}
