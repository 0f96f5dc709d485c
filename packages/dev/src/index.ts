import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {DevService} from './services/dev.js';

export {DevService, DEV_PERMISSION, type Relay} from './services/dev.js';
export {topFunctions, type CpuProfile, type ProfileSummary, type TopFunction} from './services/cpuprofile.js';
export {bindActor, replScope, evaluateLines, type Evaluation, type ReplScope} from './services/repl.js';
export {findPackage} from './services/package-dir.js';
export {PRETTIER_OPTIONS} from './config/prettier.js';
export {DEV} from './token.js';

/** The dev module: no tables and no configuration; its service checks dev:run and runs the developer's tools. */
export class DevModule extends BaseModule {
  readonly name = 'dev';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    context.provide(new DevService(() => context.access()));
  }
}

export default (): DevModule => new DevModule();
