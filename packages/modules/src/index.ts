import {BaseModule, packageVersionOf, type EventStore, type ModuleContext} from '@systemprompt/core';
import {ModulesService} from './services/modules-service.js';

export {moduleRows, dependentsOf, type ModuleRow} from './services/catalog.js';
export {readLogs, type LogFilter, type LogLine} from './services/logs.js';
export {
  ModulesService,
  type ModulesHost,
  type ModuleInfo,
  type HealthRow,
  type RestartResult,
} from './services/modules-service.js';
export type {InstallResult, RemoveResult} from './services/install.js';
export type {ToggleResult} from './services/toggle.js';
export type {PackageReport, PackageProblem} from './services/validate-package.js';

/**
 * The modules module: its service works on the kernel's view of the installed modules and checks the
 * caller's permission itself (modules:read, modules:write), through the access module.
 */
export class ModulesModule extends BaseModule {
  readonly name = 'modules';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    context.provide(
      new ModulesService(() => context.access(), {
        bus: context.events,
        store: () => context.capability<EventStore>('events'),
      }),
    );
  }
}

export default (): ModulesModule => new ModulesModule();
export {checkPluginsInstall, installedPluginVersions} from './services/plugins-install-check.js';
export {lifecycleRunning} from './services/plugins-command.js';
export {linkableDirectory, packageDirectory} from './services/host-packages.js';
export type {UpdateRow} from './services/modules-service.js';
export {MODULES} from './token.js';
export {ModulesCommand} from './modules-command.js';
export type {UpdateChange, UpdateOutcome, UpdatePlan} from './services/system-update.js';
export {checkoutChanges, installationOf, type CheckoutChanges, type Installation} from './services/installation.js';
