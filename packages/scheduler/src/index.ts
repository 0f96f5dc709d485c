import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {API} from '@systemprompt/api';
import {DATABASE} from '@systemprompt/database';
import {QUEUE} from '@systemprompt/queue';
import {USERS} from '@systemprompt/users';
import {SCHEDULER_ENTITIES} from './entities.js';
import type {SchedulerConfig} from './generated/config.js';
import {FIRE_QUEUE, TickClaimer} from './services/claims.js';
import {CommandRunner} from './services/command-runner.js';
import {FireHandler} from './services/fire.js';
import {Planner} from './services/planner.js';
import {ScheduleService} from './services/schedules.js';
import {TargetRegistry, type ScheduleTarget} from './services/targets.js';

export type {SchedulerConfig} from './generated/config.js';
export {
  ScheduleService,
  type DeletedSchedule,
  type RunOptions,
  type RunResult,
  type ScheduleChanges,
  type ScheduleInput,
} from './services/schedules.js';
export {SCHEDULE_NAME_PATTERN} from './services/checks.js';
export {Planner, type PlannerPass} from './services/planner.js';
export {FIRE_QUEUE, type ClaimedTick, type FirePayload} from './services/claims.js';
export {parseInput, type ScheduleTarget, type StoredTarget, type TargetKind} from './services/targets.js';
export {MISSED_POLICIES, planTicks, type MissedPolicy, type TickPlan, type Timing} from './services/timing.js';
export {SCHEDULE_LIST_FIELDS, TICK_LIST_FIELDS, type ScheduleView, type TickView} from './services/views.js';
export * from './events.js';

/** What the scheduler publishes (to its commands, and to the workflows module, which registers its target). */
export interface SchedulerApi {
  config: SchedulerConfig;
  schedules: ScheduleService;
  /** The planner of this process (the server starts it; tests call its tick with their own clock). */
  planner: Planner;
  /** Registers what runs the ticks of a kind of target another module owns (the workflows module: `workflow`). */
  registerTarget(kind: 'workflow', target: ScheduleTarget): void;
}

export class SchedulerModule extends BaseModule<SchedulerConfig> {
  readonly name = 'scheduler';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private planner: Planner | undefined;

  override async initialize(context: ModuleContext<SchedulerConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger} = context;
    const db = await context.services.get(DATABASE).forModule(context, SCHEDULER_ENTITIES);
    const {queue} = context.services.get(QUEUE);
    const access = await context.access();
    const targets = new TargetRegistry();
    const claimer = new TickClaimer(db, queue, events);
    const commands = new CommandRunner(
      {cli: config.cli, timeoutMs: config.commandTimeoutSeconds * 1000, paths: context.systemPaths},
      context.services.get(USERS),
      // Looked up when a command runs as a user, not at boot.
      () => context.services.get(API),
      logger,
    );
    const handler = new FireHandler(db, targets, commands, logger);
    queue.register(FIRE_QUEUE, handler.handle);
    this.planner = new Planner(
      db,
      claimer,
      queue,
      {intervalMs: config.plannerIntervalMs, graceMs: config.graceSeconds * 1000, historyDays: config.historyDays},
      logger,
    );
    const planner = this.planner;
    context.retention.add({
      name: 'ticks',
      description: 'Finished ticks of schedules (scheduler:history)',
      keepDays: config.historyDays,
      setting: 'scheduler.historyDays',
      prune: (before, options) => planner.pruneBefore(before.getTime(), options),
    });
    context.provide<SchedulerApi>({
      config,
      schedules: new ScheduleService(db, access, events, targets, claimer, queue),
      planner: this.planner,
      registerTarget: (kind, target) => targets.register(kind, target),
    });
  }

  /** Only a server plans; its queue workers run the ticks, whichever server claimed them. */
  override async start(): Promise<void> {
    if (this.context?.config.planner) this.planner?.start();
  }

  override async stop(): Promise<void> {
    await this.planner?.stop();
  }
}

export default (): SchedulerModule => new SchedulerModule();
export {SCHEDULER} from './token.js';
export {timingFlags} from './schedule-flags.js';
