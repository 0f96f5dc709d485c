import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {__CLASS__Service} from './services/__NAME__-service.js';

export {__CLASS__Service} from './services/__NAME__-service.js';

/** The __NAME__ module: publishes its service for its commands and for modules that depend on it. */
export class __CLASS__Module extends BaseModule {
  readonly name = '__NAME__';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'extension' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    const config = context.config as {greeting?: string};
    context.provide(new __CLASS__Service(config.greeting ?? 'Hello'));
  }
}

export default (): __CLASS__Module => new __CLASS__Module();
