/**
 * @systemprompt/core: the module contract, errors, paths and the command base shared by every
 * SystemPrompt OS package. The kernel is exported separately (`@systemprompt/core/kernel`).
 */
export * from './errors.js';
export * from './module.js';
export * from './actor.js';
export {resolveSystemPaths, modulePaths, type SystemPaths, type DirectoryDefaults} from './paths.js';
export {writeFileAtomic, ensurePrivateDirectory} from './fs-atomic.js';
export {newSortableId} from './sortable-id.js';
export {WriteBatcher} from './write-batcher.js';
export {
  SERVER_STATE_FILE,
  isSameProcess,
  liveServer,
  processStartTime,
  readServerState,
  serverStateFile,
  type ServerState,
} from './server-state.js';
export {silentLogger} from './logger.js';
export {
  InMemoryEventBus,
  KernelEventBus,
  followStoredEvents,
  checkPattern as checkEventPattern,
  eventMatches,
  type EventPolling,
  type EventPollingOptions,
  type EventQuery,
  type EventStore,
} from './events.js';
export {
  httpReply,
  isHttpReply,
  routeUrl,
  type HttpMethod,
  type HttpReply,
  type HttpRequest,
  type HttpRoute,
  type HttpRoutes,
  type HttpExchange,
  type HttpMount,
  type RegisteredMount,
  type RegisteredRoute,
  type RoutePermission,
  httpStatusOfExit,
  escapeHtml,
} from './http.js';
export {
  TOOL_NAME_PATTERN,
  redactSecrets,
  secretProperties,
  type JsonSchema,
  type ModuleTools,
  type RegisteredTool,
  type ToolAnnotations,
  type ToolCallContext,
  type ToolDefinition,
} from './tools.js';
export {
  NO_METRICS,
  metricName,
  promMetricsBackend,
  rowCountGauge,
  type PromClient,
  type Counter,
  type Gauge,
  type Histogram,
  type MetricDefinition,
  type MetricLabels,
  type MetricsBackend,
  type ModuleMetrics,
} from './metrics.js';
export {
  keptDays,
  policyMatches,
  runRetention,
  type ModuleRetention,
  type RegisteredRetention,
  type RetentionOutcome,
  type RetentionPolicy,
  type RetentionRun,
} from './retention.js';
export {parsePrometheusText, type MetricFamily, type Sample} from './prometheus-text.js';
export {keyFigures, type KeyFigure} from './key-figures.js';
export {
  SERVER_TOKEN_FILE,
  SERVER_TOKEN_PREFIX,
  fetchServer,
  readServerToken,
  serverTokenFile,
} from './server-client.js';
export {
  NO_TRACING,
  NOOP_SPAN,
  installTracing,
  tracedFetch,
  tracing,
  type FinishedSpan,
  type ManualSpan,
  type SpanAttributes,
  type SpanAttributeValue,
  type SpanHandle,
  type SpanKind,
  type SpanOptions,
  type SpanQuery,
  type Tracing,
} from './tracing.js';
export {formatSchemaError, formatSchemaErrors} from './manifest/schema-errors.js';
export {validateManifestData} from './manifest/lazy-validate.js';
export {loadManifest, parseManifest, MANIFEST_FILE} from './manifest/load.js';
export {validateModuleConfig} from './manifest/config.js';
export {configFromEnv, envVariableFor} from './manifest/env-config.js';
// Flags and Args for commands, from oclif's subpaths (cheaper to load than the @oclif/core index).
export * as Flags from '@oclif/core/flags';
export * as Args from '@oclif/core/args';
// What Args.* and Flags.* return: a module's tsc names its commands' `args` and `flags` through these (TS2883 otherwise).
export type {Arg, ArgDefinition, BooleanFlag, CustomOptions, FlagDefinition, OptionFlag} from '@oclif/core/interfaces';
export type {Command as OclifCommand} from '@oclif/core/command';
export {SystemPromptCommand, type CommandFlags, type CommandArgs} from './command/base-command.js';
export {
  outputFlags,
  dryRunFlag,
  confirmFlag,
  listFlags,
  batchFlag,
  interactiveFlag,
  jsonObjectFlag,
} from './command/flags.js';
export {
  applyListQuery,
  parseListQuery,
  isListResult,
  type ListQuery,
  type ListResult,
  type ListSpec,
} from './command/list.js';
export {followResult, isFollowResult, tailLines, type FollowResult} from './command/follow.js';
export {parseSince} from './command/since.js';
export {splitCommandLine} from './command/command-line.js';
export {
  textResult,
  isTextResult,
  renderTable,
  renderRecord,
  renderHuman,
  successEnvelope,
  errorEnvelope,
  type TextResult,
  type OutputFormat,
  type SuccessEnvelope,
  type ErrorEnvelope,
} from './command/render.js';
export {confirmationDecision, type ConfirmationDecision} from './command/confirm.js';
export {readBatchFile, runBatch, type BatchResult, type BatchRow, type BatchItemResult} from './command/batch.js';
export {type PromptField, isInteractiveTerminal} from './command/prompt.js';
export {packageVersionOf} from './package-info.js';
export {editDistance} from './suggest.js';
export {
  PERMISSION_PATTERN,
  isPermission,
  permissionMatches,
  permissionCovers,
  permissionsCover,
} from './permissions.js';
export {readSecretFromStdin} from './command/stdin.js';
export type {GateAdmission, Listener, ServedRoute, ServerGate, ServerTls, ServingInfo} from './server-gate.js';
