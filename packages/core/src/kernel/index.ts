export {
  Kernel,
  type KernelOptions,
  type LoggerProvider,
  type ModuleHealth,
  type ModulePhase,
  type ModuleState,
} from './kernel.js';
export {discoverModules, type ModuleRecord, type ModuleSource, type PluginDescriptor} from './discovery.js';
export {bootOrder, implicitDependencies} from './graph.js';
export {contractProblems, instantiateModule} from './contract.js';
export {MODULE_STATE_FILE, readModuleState, writeModuleState, type ModuleToggles} from './module-state.js';
export {declaredPermissions, type DeclaredPermission} from './permission-catalog.js';
export {
  cliModules,
  createCliKernel,
  openCliAccess,
  resolveCliActor,
  type CliAccess,
  type CliConfigLike,
} from './cli-access.js';
export {
  MODULE_FAILURES_FILE,
  readModuleFailures,
  setModuleFailure,
  type ModuleFailure,
  type ModuleFailures,
} from './module-failures.js';
export {checkModulesHealth} from './module-health.js';
