import {BaseModule, packageVersionOf, unavailable, type EventBus, type ModuleContext} from '@systemprompt/core';
import type {DatabaseService, ModuleDatabase} from '@systemprompt/database';
import {USERS, type UsersApi} from '@systemprompt/users';
import {API_ENTITIES} from './entities.js';
import {ApiKeyService} from './services/keys.js';
import {LimitService} from './services/limits.js';
import {UsageService} from './services/usage.js';

export {
  ApiKeyService,
  KEY_PREFIX,
  PREFIX_LENGTH,
  hashKey,
  keyStatus,
  type ApiKeyView,
  type CreatedApiKey,
  type CreateKeyInput,
  type KeyStatus,
} from './services/keys.js';
export {UsageService, type UsageRow} from './services/usage.js';
export {
  LimitService,
  type LimitView,
  type LimitSubject,
  type LimitDecision,
  type ConfiguredLimit,
} from './services/limits.js';
export type {ApiKeyRow, ApiUsageRow, ApiLimitRow} from './entities.js';

/** What the api module publishes (to the auth module, which resolves SYSTEMPROMPT_API_KEY, and the server). */
export interface ApiModuleApi {
  keys: ApiKeyService;
  usage: UsageService;
  limits: LimitService;
}

/** Wires the api services over their database and the users module. */
export function createApiServices(db: ModuleDatabase, users: UsersApi, events: EventBus): ApiModuleApi {
  const keys = new ApiKeyService(db, users, events);
  return {keys, usage: new UsageService(db, users, keys), limits: new LimitService(db, users, keys, events)};
}

export class ApiModule extends BaseModule {
  readonly name = 'api';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private services: ApiModuleApi | undefined;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    // The database is a capability (users, which api depends on, attaches to it first).
    const database = context.capability<DatabaseService>('database');
    if (!database) throw unavailable('The api module needs the database module', {code: 'DATABASE_MISSING'});
    const users = context.services.get(USERS);
    const db = await database.forModule(context, API_ENTITIES);
    this.services = createApiServices(db, users, context.events);
    context.provide(this.services);
  }

  /** Usage counts still being group-committed are written before the database closes. */
  override async stop(): Promise<void> {
    await this.services?.usage.flush();
  }
}

export default (): ApiModule => new ApiModule();
export {API} from './token.js';
export * from './events.js';
