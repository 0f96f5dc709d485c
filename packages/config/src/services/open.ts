import type {ModuleRecord} from '@systemprompt/core/kernel';
import type {ConfigModuleApi} from '../index.js';
import {ConfigService} from './config-service.js';
import {ProviderService} from './providers.js';
import {SchemaCatalog} from './schema-catalog.js';

/** The configuration service over the schemas of the installed modules (its methods take the actor first). */
export function configService(api: ConfigModuleApi, records: readonly ModuleRecord[]): ConfigService {
  return new ConfigService(api, new SchemaCatalog(records));
}

/** The AI provider and model registry (its methods take the actor first). */
export function providerService(api: ConfigModuleApi): ProviderService {
  return new ProviderService(api);
}
