import type {OclifCommand} from '@systemprompt/core';
import {SystemPromptCommand} from '@systemprompt/core';
import type {ConfigModuleApi} from '../index.js';
import type {ConfigService} from './config-service.js';
import {configService} from './open.js';
import {SchemaCatalog} from './schema-catalog.js';

/** Base of the config:* commands: the configuration service over the installed modules' schemas. */
export abstract class ConfigCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected async configService(): Promise<ConfigService> {
    return configService(await this.service<ConfigModuleApi>(), await this.modules());
  }

  protected async catalog(): Promise<SchemaCatalog> {
    return new SchemaCatalog(await this.modules());
  }
}
