import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {DATABASE} from '@systemprompt/database';
import {NoteEntity} from './entities.js';
import {__CLASS__Service} from './services/__NAME__-service.js';

export {__CLASS__Service} from './services/__NAME__-service.js';
export {SERVICE} from './token.js';

/** The __NAME__ module: attaches its table, then publishes its service for its commands and dependents. */
export class __CLASS__Module extends BaseModule {
  readonly name = '__NAME__';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'extension' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    const config = context.config as {greeting?: string};
    // Registers the entity and applies this module's pending migrations.
    const db = await context.services.get(DATABASE).forModule(context, [NoteEntity]);
    context.provide(new __CLASS__Service(config.greeting ?? 'Hello', db, () => context.access()));
  }
}

export default (): __CLASS__Module => new __CLASS__Module();
