import type {ModuleRecord} from '@systemprompt/core/kernel';
import type {ConfigModuleApi} from '../index.js';
import {localActor} from './actor.js';
import {ConfigService} from './config-service.js';
import {SchemaCatalog} from './schema-catalog.js';

/** The configuration service over the schemas of the installed modules. */
export function configService(api: ConfigModuleApi, records: readonly ModuleRecord[]): ConfigService {
  return new ConfigService(api, new SchemaCatalog(records), localActor());
}
