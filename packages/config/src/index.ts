import {
  BaseModule,
  packageVersionOf,
  type AccessProvider,
  type EventBus,
  type Logger,
  type ModuleContext,
} from '@systemprompt/core';
import {SecretBox} from '@systemprompt/core/config';
import {addConfigTools} from './tools.js';
import {DATABASE, type ModuleDatabase} from '@systemprompt/database';
import {CONFIG_ENTITIES} from './entities.js';
import {ConfigStore} from './services/config-store.js';

export type {ConfigValueRow, ConfigHistoryRow, ProviderRow, ModelRow} from './entities.js';

/** What the config module publishes: its database handle and the pieces its services are made of. */
export interface ConfigModuleApi {
  db: ModuleDatabase;
  store: ConfigStore;
  secrets: SecretBox;
  /** The installation's config directory (config.yaml, the env file, the secret key). */
  configDirectory: string;
  events: EventBus;
  logger: Logger;
  /** The access decision and audit log (the users module, booted when first asked). */
  access(): Promise<AccessProvider>;
}

/**
 * The config module: runtime settings with their history in the database (the top layer over schema
 * defaults, config.yaml and the environment), secrets encrypted with the installation's key, and the
 * AI provider and model registry.
 */
export class ConfigModule extends BaseModule {
  readonly name = 'config';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    const db = await context.services.get(DATABASE).forModule(context, CONFIG_ENTITIES);
    const store = new ConfigStore(db, context.systemPaths.config);
    // Another host on a shared database may have changed settings since this host last looked.
    await store.refreshCache();
    const api: ConfigModuleApi = {
      db,
      store,
      secrets: new SecretBox(context.systemPaths.config),
      configDirectory: context.systemPaths.config,
      events: context.events,
      logger: context.logger,
      access: () => context.access(),
    };
    context.provide(api);
    addConfigTools(context.tools, api, () => context.modules());
  }
}

export default (): ConfigModule => new ConfigModule();
export {configService, providerService} from './services/open.js';
export {ConfigService} from './services/config-service.js';
export {
  ProviderService,
  type ProviderSummary,
  type ModelSummary,
  type ProviderTestReport,
} from './services/providers.js';
export type {ProviderEndpoint} from './services/provider-client.js';
export {CONFIG} from './token.js';
export * from './events.js';
