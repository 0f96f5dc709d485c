import {randomUUID} from 'node:crypto';
import {
  conflict,
  invalidInput,
  notFound,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {isUniqueViolation, queryList, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {storedActor, type QueueService} from '@systemprompt/queue';
import {Schedule, Tick, type ScheduleRow} from '../entities.js';
import {SCHEDULE_CREATED, SCHEDULE_DELETED, SCHEDULE_UPDATED} from '../events.js';
import {FIRE_QUEUE, type TickClaimer} from './claims.js';
import {checkTarget, type StoredTarget, type TargetInput, type TargetRegistry} from './targets.js';
import {checkCron, checkZone, localZone, nextTick, type MissedPolicy} from './timing.js';
import {checkDescription, checkMissed, checkName, checkTiming} from './checks.js';
import {
  SCHEDULE_LIST,
  TICK_COLUMNS,
  TICK_LIST,
  scheduleView,
  tickView,
  timingOf,
  type RawTick,
  type ScheduleView,
  type TickView,
} from './views.js';

const READ = 'scheduler:read';
const WRITE = 'scheduler:write';

/** What creates a schedule: exactly one timing (cron or at) and exactly one target (workflow or command). */
export interface ScheduleInput extends TargetInput {
  name: string;
  description?: string | null | undefined;
  cron?: string | undefined;
  /** IANA zone; default: this process's zone, stored with the schedule. */
  tz?: string | undefined;
  /** ISO 8601 time, in the future. */
  at?: string | undefined;
  missed?: MissedPolicy | undefined;
}

/** What update changes: any of the fields; a new timing replaces the old (cron or at), a new target likewise. */
export type ScheduleChanges = Omit<ScheduleInput, 'name'>;

export interface DeletedSchedule {
  name: string;
  deleted: boolean;
  /** Ticks of its history removed with it. */
  ticks: number;
  dryRun?: true;
}

/** What scheduler:run returns: the tick, and with --wait its outcome. */
export type RunResult = TickView & {waited: boolean};

export interface RunOptions {
  /** Waits for the tick's outcome. */
  wait?: boolean;
  /** While waiting, run the job in this process (no server runs to take it). */
  runHere?: boolean;
  signal?: AbortSignal;
}

const scheduleNotFound = (name: string) =>
  notFound(`No schedule ${JSON.stringify(name.slice(0, 80))}`, {
    code: 'SCHEDULE_NOT_FOUND',
    hint: 'See scheduler:list.',
  });

/**
 * Schedules as people manage them: reads take scheduler:read, changes scheduler:write, checked
 * before anything is looked up; every change is audited and emits its event in its transaction.
 * A schedule's ticks act as its owner: whoever created it, or whoever last changed its target.
 */
export class ScheduleService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly targets: TargetRegistry,
    private readonly claimer: TickClaimer,
    private readonly queue: QueueService,
  ) {}

  /** A schedule by name (no permission check: callers check theirs first). */
  async find(name: string, manager: EntityManager = this.db.manager): Promise<ScheduleRow> {
    const row = typeof name === 'string' ? await manager.getRepository(Schedule).findOneBy({name: name.trim()}) : null;
    if (!row) throw scheduleNotFound(String(name));
    return row;
  }

  async get(actor: Actor, name: string): Promise<ScheduleView> {
    await this.access.authorize(actor, READ, 'scheduler.get', name);
    return scheduleView(await this.find(name));
  }

  /** One page of schedules; filters, search, sorting and paging run in the database. */
  async list(actor: Actor, query: ListQuery): Promise<ListResult<ScheduleView>> {
    await this.access.authorize(actor, READ, 'scheduler.list');
    const page = await queryList(this.db.repository(Schedule).createQueryBuilder('s'), query, SCHEDULE_LIST);
    return {...page, items: page.items.map(scheduleView)};
  }

  /** Ticks, newest first: of one schedule (exit 3 when there is none), or of all. */
  async history(actor: Actor, name: string | undefined, query: ListQuery): Promise<ListResult<TickView>> {
    await this.access.authorize(actor, READ, 'scheduler.history', name ?? null);
    const builder = this.db
      .repository(Tick)
      .createQueryBuilder('t')
      .innerJoin(Schedule.options.name, 's', 's.id = t.scheduleId');
    if (name !== undefined) builder.where('t.scheduleId = :scheduleId', {scheduleId: (await this.find(name)).id});
    return queryList(builder, query, TICK_LIST, (page) => {
      page.select('s.name', 'schedule');
      for (const column of TICK_COLUMNS) page.addSelect(`t.${column}`, column);
      return page.getRawMany<RawTick>().then((rows) => rows.map(tickView));
    });
  }

  async create(actor: Actor, input: ScheduleInput, options: {dryRun?: boolean} = {}): Promise<ScheduleView> {
    await this.access.authorize(actor, WRITE, 'scheduler.create', typeof input?.name === 'string' ? input.name : null);
    const name = checkName(input?.name);
    const now = Date.now();
    const timing = checkTiming(input, localZone(), now);
    const missed = checkMissed(input.missed ?? 'skip');
    const description = checkDescription(input.description);
    const target = await checkTarget(input, this.targets, actor);
    const owner = storedActor(actor);
    const row: ScheduleRow = {
      id: randomUUID(),
      name,
      description,
      ...timing,
      targetKind: target.kind,
      target: JSON.stringify(target),
      missed,
      paused: false,
      owner: JSON.stringify(owner),
      ownerLabel: actor.label,
      nextRunAt: nextTick(timingOf(timing), now),
      lastTickAt: null,
      lastStatus: null,
      finishedAt: null,
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.label,
    };
    const exists = () =>
      conflict(`A schedule named ${name} already exists`, {
        code: 'SCHEDULE_EXISTS',
        hint: `Change it with scheduler:update ${name}.`,
      });
    if (options.dryRun) {
      if (await this.db.repository(Schedule).findOneBy({name})) throw exists();
      return scheduleView(row);
    }
    try {
      await this.db.transaction(async (manager) => {
        if (await manager.getRepository(Schedule).findOneBy({name})) throw exists();
        await manager.getRepository(Schedule).insert(row);
        await this.events.emit(SCHEDULE_CREATED, {id: row.id, name}, {transaction: manager, actor, subject: name});
      });
    } catch (error) {
      // Two creates of one name at once: the unique index lets one through.
      if (isUniqueViolation(error)) throw exists();
      throw error;
    }
    await this.audit(actor, 'scheduler.create', name, {
      timing: row.cron ?? row.at,
      tz: row.tz,
      target: target.kind,
      missed,
    });
    return scheduleView(row);
  }

  /**
   * Changes what is given. A new timing recomputes next_run_at from now (kept empty while paused);
   * a new target is validated as the actor and makes the actor the owner, so nobody makes a schedule
   * run, as someone else, something that person did not choose.
   */
  async update(
    actor: Actor,
    name: string,
    changes: ScheduleChanges,
    options: {dryRun?: boolean} = {},
  ): Promise<ScheduleView> {
    await this.access.authorize(actor, WRITE, 'scheduler.update', name);
    const current = await this.find(name);
    const now = Date.now();
    const next: ScheduleRow = {...current, updatedAt: now, updatedBy: actor.label};
    const changed: string[] = [];
    if (changes.cron !== undefined || changes.at !== undefined) {
      Object.assign(next, checkTiming(changes, current.tz, now));
      changed.push('timing');
    } else if (changes.tz !== undefined) {
      // A new zone alone re-reads the pattern there (a one-off keeps its instant).
      const tz = checkZone(changes.tz);
      if (current.cron !== null) checkCron(current.cron, tz, now);
      next.tz = tz;
      changed.push('timing');
    }
    if (changes.workflow !== undefined || changes.command !== undefined) {
      const target = await checkTarget(changes, this.targets, actor);
      next.targetKind = target.kind;
      next.target = JSON.stringify(target);
      next.owner = JSON.stringify(storedActor(actor));
      next.ownerLabel = actor.label;
      changed.push('target');
    } else if (changes.input !== undefined) {
      const stored = JSON.parse(current.target) as StoredTarget;
      if (stored.kind !== 'workflow')
        throw invalidInput('--input goes with a workflow target; this schedule runs a command', {
          code: 'SCHEDULE_TARGET_INVALID',
        });
      const target = await checkTarget({workflow: stored.workflow, input: changes.input}, this.targets, actor);
      Object.assign(next, {
        target: JSON.stringify(target),
        owner: JSON.stringify(storedActor(actor)),
        ownerLabel: actor.label,
      });
      changed.push('target');
    }
    if (changes.missed !== undefined) {
      next.missed = checkMissed(changes.missed);
      changed.push('missed');
    }
    if (changes.description !== undefined) {
      next.description = checkDescription(changes.description);
      changed.push('description');
    }
    if (changed.includes('timing')) {
      next.nextRunAt = Number(current.paused) ? null : nextTick(timingOf(next), now);
      next.finishedAt = null;
    }
    if (options.dryRun || changed.length === 0) return scheduleView(options.dryRun ? next : current);
    await this.save(current, next, 'updated', actor);
    await this.audit(actor, 'scheduler.update', current.name, {changed});
    return scheduleView(next);
  }

  /** Stops firing until resumed (ticks due meanwhile are never fired); pausing a paused schedule changes nothing. */
  async pause(actor: Actor, name: string): Promise<ScheduleView> {
    await this.access.authorize(actor, WRITE, 'scheduler.pause', name);
    const current = await this.find(name);
    if (Number(current.paused)) return scheduleView(current);
    const next: ScheduleRow = {
      ...current,
      paused: true,
      nextRunAt: null,
      updatedAt: Date.now(),
      updatedBy: actor.label,
    };
    await this.save(current, next, 'paused', actor);
    await this.audit(actor, 'scheduler.pause', current.name, {});
    return scheduleView(next);
  }

  /** Fires again from the next tick after now: what fell due while paused is skipped, whatever the missed policy. */
  async resume(actor: Actor, name: string): Promise<ScheduleView> {
    await this.access.authorize(actor, WRITE, 'scheduler.resume', name);
    const current = await this.find(name);
    if (!Number(current.paused)) return scheduleView(current);
    const now = Date.now();
    const nextRunAt = current.finishedAt !== null ? null : nextTick(timingOf(current), now);
    const next: ScheduleRow = {
      ...current,
      paused: false,
      nextRunAt,
      // A one-off whose time passed while paused is over.
      finishedAt: nextRunAt === null ? (current.finishedAt ?? now) : null,
      updatedAt: now,
      updatedBy: actor.label,
    };
    await this.save(current, next, 'resumed', actor);
    await this.audit(actor, 'scheduler.resume', current.name, {nextRunAt: next.nextRunAt});
    return scheduleView(next);
  }

  /** Deletes the schedule and its history; asks `confirm` after the checks and the look-up. */
  async delete(
    actor: Actor,
    name: string,
    options: {dryRun?: boolean; confirm?: ConfirmStep} = {},
  ): Promise<DeletedSchedule> {
    await this.access.authorize(actor, WRITE, 'scheduler.delete', name);
    const current = await this.find(name);
    const ticks = await this.db.repository(Tick).countBy({scheduleId: current.id});
    if (options.dryRun) return {name: current.name, deleted: false, ticks, dryRun: true};
    await options.confirm?.(
      `Delete schedule ${current.name} and its ${ticks} tick${ticks === 1 ? '' : 's'} of history? It stops firing at once.`,
    );
    await this.db.transaction(async (manager) => {
      // The ticks go with it (foreign key ON DELETE CASCADE); jobs already enqueued find it gone and end.
      const result = await manager.getRepository(Schedule).delete({id: current.id});
      if (!result.affected) throw scheduleNotFound(current.name);
      await this.events.emit(
        SCHEDULE_DELETED,
        {id: current.id, name: current.name},
        {transaction: manager, actor, subject: current.name},
      );
    });
    await this.audit(actor, 'scheduler.delete', current.name, {ticks});
    return {name: current.name, deleted: true, ticks};
  }

  /**
   * Fires a tick now (a manual tick, whatever the schedule's state), acting as the schedule's owner
   * like any tick. With `wait`, returns once its job ended; with `runHere` as well, this process runs
   * the job itself (a temporary worker), for an installation with no server running.
   */
  async run(actor: Actor, name: string, options: RunOptions = {}): Promise<RunResult> {
    await this.access.authorize(actor, WRITE, 'scheduler.run', name);
    const current = await this.find(name);
    const claimed = await this.claimer.claimManual(current, Date.now(), actor);
    await this.audit(actor, 'scheduler.run', current.name, {
      tickAt: new Date(claimed.tickAt).toISOString(),
      job: claimed.jobId,
    });
    if (options.wait) {
      if (options.runHere) this.queue.startWorkers([FIRE_QUEUE]);
      try {
        await this.queue.waitFor(claimed.jobId, options.signal ? {signal: options.signal} : {});
      } finally {
        if (options.runHere) await this.queue.stopWorkers();
      }
    }
    return {...(await this.tick(current.id, claimed.tickAt)), waited: Boolean(options.wait)};
  }

  private async tick(scheduleId: string, tickAt: number): Promise<TickView> {
    const page = await this.db
      .repository(Tick)
      .createQueryBuilder('t')
      .innerJoin(Schedule.options.name, 's', 's.id = t.scheduleId')
      .where('t.scheduleId = :scheduleId AND t.tickAt = :tickAt', {scheduleId, tickAt})
      .select('s.name', 'schedule');
    for (const column of TICK_COLUMNS) page.addSelect(`t.${column}`, column);
    const row = await page.getRawOne<RawTick>();
    if (!row) throw conflict('The schedule was deleted while its tick ran', {code: 'SCHEDULE_CHANGED'});
    return tickView(row);
  }

  /** Writes `next` over `current`, unless someone changed it since it was read (exit 5). */
  private async save(
    current: ScheduleRow,
    next: ScheduleRow,
    change: 'updated' | 'paused' | 'resumed',
    actor: Actor,
  ): Promise<void> {
    // Only what changed: next_run_at and the last tick belong to the planner unless the timing changed.
    const fields = Object.fromEntries(
      (Object.keys(next) as Array<keyof ScheduleRow>)
        .filter((key) => next[key] !== current[key])
        .map((key) => [key, next[key]]),
    ) as Partial<ScheduleRow>;
    const id = current.id;
    await this.db.transaction(async (manager) => {
      const result = await manager
        .getRepository(Schedule)
        .createQueryBuilder()
        .update()
        .set(fields)
        .where('id = :id AND updated_at = :updatedAt', {id, updatedAt: current.updatedAt})
        .execute();
      if (!result.affected)
        throw conflict(`Schedule ${current.name} changed while this ran`, {code: 'SCHEDULE_CHANGED'});
      await this.events.emit(
        SCHEDULE_UPDATED,
        {id, name: current.name, change},
        {transaction: manager, actor, subject: current.name},
      );
    });
  }

  private async audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    await this.access.record(actor, {action, target, result: 'ok', permission: WRITE, details});
  }
}
