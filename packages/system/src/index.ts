import {
  BaseModule,
  packageVersionOf,
  type EventBus,
  type EventStore,
  type Logger,
  type ModuleContext,
} from '@systemprompt/core';
import {DATABASE} from '@systemprompt/database';
import {SYSTEM_ENTITIES} from './entities.js';
import type {SystemConfig} from './generated/config.js';
import {HeartbeatService} from './services/heartbeats.js';
import {SystemService} from './services/system-service.js';
import {addSystemTools} from './tools.js';

export {HeartbeatService, LOST_AFTER_BEATS, type HeartbeatView, type BeatInput} from './services/heartbeats.js';
export {
  SystemService,
  type SystemStatus,
  type ServerStatus,
  type HealthReport,
  type HealthCheck,
  type ModuleVersion,
} from './services/system-service.js';
export type {SystemConfig} from './generated/config.js';

/** What the system module publishes (to its commands and the server runtime). */
export interface SystemApi {
  config: SystemConfig;
  system: SystemService;
  heartbeats: HeartbeatService;
  /** The system module's own events (system.server.*, module.restarted). */
  events: EventBus;
  /** The server's log (the system module's). */
  logger: Logger;
}

export class SystemModule extends BaseModule<SystemConfig> {
  readonly name = 'system';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext<SystemConfig>): Promise<void> {
    await super.initialize(context);
    const db = await context.services.get(DATABASE).forModule(context, SYSTEM_ENTITIES);
    const access = () => context.access();
    const heartbeats = new HeartbeatService(db, access);
    const system = new SystemService(db, heartbeats, {
      dataDirectory: context.systemPaths.data,
      diskMinFreeMb: context.config.diskMinFreeMb,
      events: () => context.capability<EventStore>('events'),
      access,
    });
    context.retention.add({
      name: 'events',
      description: 'Stored events (system:events); those a reader such as the webhook dispatcher has not read yet stay',
      keepDays: context.config.eventRetentionDays,
      setting: 'system.eventRetentionDays',
      prune: async (before, options) => (await context.capability<EventStore>('events')?.prune(before, options)) ?? 0,
    });
    context.provide<SystemApi>({
      config: context.config,
      system,
      heartbeats,
      events: context.events,
      logger: context.logger,
    });
    addSystemTools(context.tools, {system, version: this.version, modules: () => context.modules()});
  }
}

export default (): SystemModule => new SystemModule();
export {SYSTEM} from './token.js';
