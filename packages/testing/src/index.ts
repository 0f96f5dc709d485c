export {createTempHome, type TempHome} from './home.js';
export {loadCliConfig, runCli, type CliRun, type RunCliOptions} from './run-cli.js';
export {spawnCli, type SpawnResult} from './spawn-cli.js';
export {createTestDatabase, testEngines, type EngineName, type TestDatabase} from './database.js';
export {describeEachEngine, type EngineFixture} from './each-engine.js';
export {
  APP_BIN,
  APP_ROOT,
  PASSWORD,
  TRUST_OFF,
  appCli,
  asLocalOperator,
  auditLog,
  expectFailure,
  ok,
  runWithStdin,
  sql,
  type AuditRow,
  type ChildRun,
  type FailureEnvelope,
  type FinishedRun,
} from './as-users.js';
export {ACME_NOTES, packModuleVariant, writeModuleVariant, type ModuleVariant} from './module-fixture.js';
export {
  bootModuleKernel,
  callTool,
  createUserActor,
  expectMatchesSchema,
  findTool,
  matchesSchema,
  refusal,
  useModuleKernel,
  type CallableTool,
  type JsonSchemaObject,
  type KernelParts,
  type ModuleKernelFixture,
  type ModuleKernelOptions,
  type Refusal,
  type TestKernel,
  type UserActor,
} from './tools.js';
export * from './model-stub.js';
export {startRegistry, type LoopbackRegistry, type MirroredPackage} from './registry.js';
