import {BaseModule, packageVersionOf} from '@systemprompt/core';

export {moduleRows, dependentsOf, type ModuleRow} from './services/catalog.js';
export {readLogs, type LogLine} from './services/logs.js';

/** The modules module: its commands work on the kernel's view of the installed modules. */
export class ModulesModule extends BaseModule {
  readonly name = 'modules';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
}

export default (): ModulesModule => new ModulesModule();
