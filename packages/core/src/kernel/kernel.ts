import {LOCAL_ONLY_ACCESS, type AccessProvider} from '../actor.js';
import {SystemPromptError, isSystemPromptError, unavailable, ExitCode} from '../errors.js';
import {KernelEventBus, type EventStore} from '../events.js';
import {validateModuleConfig} from '../manifest/config.js';
import type {HealthStatus, Logger, ModuleContext, ModuleInterface, ServiceRegistry, ServiceToken} from '../module.js';
import {readModuleFailures, setModuleFailure, type ModuleFailure, type ModuleFailures} from './module-failures.js';
import {modulePaths, type SystemPaths} from '../paths.js';
import {silentLogger} from '../logger.js';
import {routeUrl, type RegisteredMount, type RegisteredRoute} from '../http.js';
import {TOOL_NAME_PATTERN, type RegisteredTool} from '../tools.js';
import type {RegisteredRetention} from '../retention.js';
import {NO_METRICS, type MetricsBackend} from '../metrics.js';
import {instantiateModule} from './contract.js';
import type {ModuleRecord} from './discovery.js';
import {bootOrder, implicitDependencies} from './graph.js';

/** What a module that `provides: [logger]` must publish as its service. */
export interface LoggerProvider {
  forModule(moduleName: string): Logger;
}

export type ModulePhase = 'initialize' | 'start' | 'stop' | 'healthCheck';
export type ModuleState = 'initialized' | 'started' | 'stopped' | 'failed';

export interface KernelOptions {
  modules: ModuleRecord[];
  paths: SystemPaths;
  /** Used for the kernel's own messages until a logger provider module is booted. */
  logger?: Logger;
  /** The values a module's config schema validates; defaults to none (schema defaults only). */
  configValues?: (record: ModuleRecord) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** A lifecycle phase slower than this is logged as a warning. */
  slowPhaseMs?: number;
  /** Told when something optional fails (a logger that cannot start): the rest boots without it. */
  onWarning?: (message: string) => void;
  /** The server's metrics registry; without it (CLI processes) module metrics record nothing. */
  metrics?: MetricsBackend;
}

interface LoadedModule {
  record: ModuleRecord;
  module: ModuleInterface;
  state: ModuleState;
  service?: unknown;
  provided: boolean;
}

export interface ModuleHealth extends HealthStatus {
  module: string;
}

/** A failed migration (applied while the module attached to the database) or initialize() itself. */
function failedStage(error: unknown): ModuleFailure['stage'] {
  for (let cause: unknown = error; cause; cause = (cause as {cause?: unknown}).cause) {
    if ((cause as {code?: unknown}).code === 'MIGRATION_FAILED') return 'migration';
  }
  return 'initialize';
}

/**
 * Boots modules in dependency order and runs their lifecycle. A CLI command boots only its own
 * module and what that needs; the server boots and starts every enabled module.
 */
export class Kernel {
  readonly events: KernelEventBus;
  private readonly loaded = new Map<string, LoadedModule>();
  private readonly order: string[] = [];
  /** Modules whose initialize failed; they are not booted and not stopped. */
  private readonly failed = new Set<string>();
  /** The failures recorded by earlier runs (module-failures.json), read once. */
  private recordedFailures: ModuleFailures | undefined;
  private logger: Logger;
  private loggerProvider: LoggerProvider | undefined;
  /** Capabilities published apart from a module's service (`provideCapability`). */
  private readonly capabilities = new Map<string, unknown>();
  private readonly httpRoutes: RegisteredRoute[] = [];
  private readonly httpMounts: RegisteredMount[] = [];
  private readonly moduleTools: RegisteredTool[] = [];
  private readonly retentionPolicies: RegisteredRetention[] = [];

  constructor(private readonly options: KernelOptions) {
    this.logger = options.logger ?? silentLogger;
    this.events = new KernelEventBus(
      () => this.eventStore(),
      (error, event) => this.logger.warn({err: error, event: event.type}, 'event handler failed'),
    );
  }

  get modules(): readonly ModuleRecord[] {
    return this.options.modules;
  }

  record(name: string): ModuleRecord | undefined {
    return this.options.modules.find((record) => record.name === name);
  }

  /** Names of the booted modules, in boot order. */
  get booted(): readonly string[] {
    return this.order;
  }

  /** Every HTTP route the booted modules added, in boot order. */
  get routes(): readonly RegisteredRoute[] {
    return this.httpRoutes;
  }

  /** Every path the booted modules serve themselves (`/mcp`, `/.well-known/*`). */
  get mounts(): readonly RegisteredMount[] {
    return this.httpMounts;
  }

  /** Every MCP tool the booted modules added, in boot order. */
  get tools(): readonly RegisteredTool[] {
    return this.moduleTools;
  }

  /** Every retention policy the booted modules added, in boot order. */
  get retention(): readonly RegisteredRetention[] {
    return this.retentionPolicies;
  }

  /** The implementation of a capability, from the first booted module that provides it. */
  capability<T>(capability: string): T | undefined {
    const published = this.capabilities.get(capability);
    if (published !== undefined) return published as T;
    for (const name of this.order) {
      const provider = this.loaded.get(name)!;
      if (provider.record.manifest?.provides?.includes(capability as never) && provider.provided)
        return provider.service as T;
    }
    return undefined;
  }

  state(name: string): ModuleState | undefined {
    return this.loaded.get(name)?.state ?? (this.failed.has(name) ? 'failed' : undefined);
  }

  /** Imports and initializes `names` and their dependencies; modules already booted are kept. */
  async boot(names: Iterable<string>): Promise<void> {
    const wanted = new Set(names);
    for (const record of bootOrder([...this.options.modules], wanted)) {
      if (this.loaded.has(record.name) || this.failed.has(record.name)) continue;
      try {
        await this.initializeModule(record);
      } catch (error) {
        // Logging is a convenience for the other modules, never a reason for them not to run (a
        // broken logger setting must still be fixable with config:set).
        const optional = !wanted.has(record.name) && implicitDependencies([record]).length > 0;
        if (!optional) throw error;
        this.options.onWarning?.(`${error instanceof Error ? error.message : String(error)}; continuing without it`);
      }
    }
  }

  /** Starts every booted module (the server's path; CLI commands never start daemons). */
  async start(): Promise<void> {
    for (const name of this.order) {
      const entry = this.loaded.get(name)!;
      if (entry.state !== 'initialized' && entry.state !== 'stopped') continue;
      await this.phase(entry, 'start', () => entry.module.start());
      entry.state = 'started';
      await this.lifecycleEvent('module.started', entry);
    }
  }

  /** Stops every booted module (started or only initialized) in reverse order; each is asked even when one fails. */
  async stop(): Promise<void> {
    const failures: SystemPromptError[] = [];
    for (const name of [...this.order].reverse()) {
      const entry = this.loaded.get(name)!;
      if (entry.state === 'stopped' || entry.state === 'failed') continue;
      const started = entry.state === 'started';
      try {
        await this.phase(entry, 'stop', () => entry.module.stop());
        entry.state = 'stopped';
        if (started) await this.lifecycleEvent('module.stopped', entry);
      } catch (error) {
        failures.push(error as SystemPromptError);
      }
      entry.state = 'stopped';
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Stops and starts one booted module again (modules:restart on a running server). */
  async restart(name: string): Promise<void> {
    const entry = this.loaded.get(name);
    if (!entry)
      throw unavailable(`Module "${name}" is not booted`, {code: 'MODULE_NOT_BOOTED', details: {module: name}});
    if (entry.state === 'started') {
      await this.phase(entry, 'stop', () => entry.module.stop());
      entry.state = 'stopped';
      await this.lifecycleEvent('module.stopped', entry);
    }
    await this.phase(entry, 'start', () => entry.module.start());
    entry.state = 'started';
    await this.lifecycleEvent('module.started', entry);
  }

  /** The event store, while the module that provides it runs (a stopped database takes no events). */
  private eventStore(): EventStore | undefined {
    const provider = this.order.find((name) => this.loaded.get(name)!.record.manifest?.provides?.includes('events'));
    return provider && this.loaded.get(provider)!.state !== 'stopped'
      ? this.capability<EventStore>('events')
      : undefined;
  }

  /** Records that a module started or stopped; failing to record it never fails the lifecycle. */
  private async lifecycleEvent(type: 'module.started' | 'module.stopped', entry: LoadedModule): Promise<void> {
    const {name: module, version} = entry.record;
    await this.events
      .forSource('kernel')
      .emit(type, {module, version}, {subject: module})
      .catch((error: unknown) => this.logger.warn({err: error, module, event: type}, `could not record ${type}`));
  }

  /** The public service of a booted module. */
  service<T>(token: ServiceToken<T> | string): T {
    const name = typeof token === 'string' ? token : token.module;
    const entry = this.loaded.get(name);
    if (!entry)
      throw unavailable(`Module "${name}" is not booted`, {code: 'MODULE_NOT_BOOTED', details: {module: name}});
    if (!entry.provided)
      throw unavailable(`Module "${name}" provides no service`, {code: 'MODULE_NO_SERVICE', details: {module: name}});
    return entry.service as T;
  }

  /**
   * The access decision of the module that `provides: [access]`, booted on demand (it depends on the
   * modules that ask, so it cannot be their declared dependency); without one, only the local operator
   * and the system may act.
   */
  async access(): Promise<AccessProvider> {
    const provider = this.options.modules.find(
      (record) => !record.error && record.enabled !== false && record.manifest?.provides?.includes('access'),
    );
    if (!provider) return LOCAL_ONLY_ACCESS;
    await this.boot([provider.name]);
    const access = this.service<{access?: AccessProvider}>(provider.name).access;
    if (!access)
      throw unavailable(`Module "${provider.name}" provides access but publishes no access service`, {
        code: 'ACCESS_UNAVAILABLE',
        details: {module: provider.name},
      });
    return access;
  }

  /** Runs healthCheck of the booted modules (or the named ones); a throwing check is unhealthy. */
  async health(names: Iterable<string> = this.order): Promise<ModuleHealth[]> {
    const results: ModuleHealth[] = [];
    for (const name of names) {
      const entry = this.loaded.get(name);
      if (!entry) {
        results.push({module: name, healthy: false, message: 'not booted'});
        continue;
      }
      try {
        results.push({module: name, ...(await this.phase(entry, 'healthCheck', () => entry.module.healthCheck()))});
      } catch (error) {
        results.push({module: name, healthy: false, message: error instanceof Error ? error.message : String(error)});
      }
    }
    return results;
  }

  private async initializeModule(record: ModuleRecord): Promise<void> {
    const module = await instantiateModule(record);
    const entry: LoadedModule = {record, module, state: 'failed', provided: false};
    const values = this.options.configValues ? await this.options.configValues(record) : {};
    const config = await validateModuleConfig(record.name, record.manifest?.config, values, record.configValidator);
    const context = this.contextFor(entry, config);
    try {
      await this.phase(entry, 'initialize', () => module.initialize(context));
    } catch (error) {
      this.failed.add(record.name);
      await setModuleFailure(this.options.paths.data, record.name, {
        stage: failedStage(error),
        message: error instanceof Error ? error.message : String(error),
        version: record.version,
        at: new Date().toISOString(),
      });
      throw error;
    }
    // modules:list shows a module as failed until it initializes again.
    this.recordedFailures ??= readModuleFailures(this.options.paths.data);
    if (record.name in this.recordedFailures) await setModuleFailure(this.options.paths.data, record.name, null);
    entry.state = 'initialized';
    this.loaded.set(record.name, entry);
    this.order.push(record.name);
    if (record.manifest?.provides?.includes('logger') && entry.provided) {
      this.loggerProvider = entry.service as LoggerProvider;
      this.logger = this.loggerProvider.forModule('kernel');
    }
  }

  private contextFor(entry: LoadedModule, config: Record<string, unknown>): ModuleContext {
    const {record} = entry;
    const declared = new Set(record.manifest?.dependencies ?? []);
    const nameOf = (token: ServiceToken<unknown> | string) => (typeof token === 'string' ? token : token.module);
    const services: ServiceRegistry = {
      has: (token) => declared.has(nameOf(token)) && this.loaded.get(nameOf(token))?.provided === true,
      get: <T>(token: ServiceToken<T> | string): T => {
        const name = nameOf(token);
        if (!declared.has(name)) {
          throw new SystemPromptError(
            `Module "${record.name}" uses "${name}" without declaring it in module.yaml dependencies`,
            {
              code: 'MODULE_DEPENDENCY_UNDECLARED',
              exitCode: ExitCode.Unexpected,
              details: {module: record.name, dependency: name},
            },
          );
        }
        return this.service<T>(name);
      },
    };
    return {
      name: record.name,
      manifest: record.manifest!,
      root: record.root,
      logger: this.loggerProvider?.forModule(record.name) ?? this.logger.child({module: record.name}),
      config,
      events: this.events.forSource(record.name),
      services,
      paths: modulePaths(this.options.paths, record.name),
      systemPaths: this.options.paths,
      capability: <T>(capability: string): T | undefined => this.capability<T>(capability),
      modules: () => this.options.modules,
      access: () => this.access(),
      provide: (service) => {
        entry.service = service;
        entry.provided = true;
      },
      provideCapability: (capability, implementation) => {
        if (!record.manifest?.provides?.includes(capability as never)) {
          throw new SystemPromptError(
            `Module "${record.name}" publishes the capability "${capability}" without declaring it in module.yaml provides`,
            {code: 'CAPABILITY_UNDECLARED', exitCode: ExitCode.Unexpected, details: {module: record.name, capability}},
          );
        }
        this.capabilities.set(capability, implementation);
      },
      http: {
        add: (route) => {
          const url = routeUrl(record.name, route.path);
          if (this.httpRoutes.some((known) => known.method === route.method && known.url === url)) {
            throw new SystemPromptError(`Module "${record.name}" adds ${route.method} ${url} twice`, {
              code: 'ROUTE_TAKEN',
              exitCode: ExitCode.Unexpected,
              details: {module: record.name, url},
            });
          }
          if (!route.permission)
            throw new SystemPromptError(`Route ${route.method} ${url} of module "${record.name}" names no permission`, {
              code: 'ROUTE_PERMISSION_MISSING',
              exitCode: ExitCode.Unexpected,
              details: {module: record.name, url},
            });
          this.httpRoutes.push({...route, module: record.name, url});
        },
        mount: (mount) => {
          const own = mount.path === `/${record.name}` || mount.path.startsWith(`/${record.name}/`);
          if (!own && !mount.path.startsWith('/.well-known/')) {
            throw new SystemPromptError(
              `Module "${record.name}" mounts ${mount.path}: a module serves /${record.name}, below it, or /.well-known/*`,
              {
                code: 'MOUNT_PATH_INVALID',
                exitCode: ExitCode.Unexpected,
                details: {module: record.name, path: mount.path},
              },
            );
          }
          const taken = [...this.httpMounts.map((known) => known.path), ...this.httpRoutes.map((known) => known.url)];
          if (taken.includes(mount.path))
            throw new SystemPromptError(`Module "${record.name}" mounts ${mount.path}, which is taken`, {
              code: 'ROUTE_TAKEN',
              exitCode: ExitCode.Unexpected,
              details: {
                module: record.name,
                url: mount.path,
              },
            });
          if (!mount.permission)
            throw new SystemPromptError(`Mount ${mount.path} of module "${record.name}" names no permission`, {
              code: 'ROUTE_PERMISSION_MISSING',
              exitCode: ExitCode.Unexpected,
              details: {
                module: record.name,
                url: mount.path,
              },
            });
          this.httpMounts.push({...mount, module: record.name});
        },
      },
      tools: {
        add: (tool) => {
          const declared = record.manifest?.tools?.find((entry) => entry.name === tool.name);
          if (!TOOL_NAME_PATTERN.test(tool.name) || !tool.name.startsWith(`${record.name.replaceAll('-', '_')}_`))
            throw new SystemPromptError(
              `Tool "${tool.name}" of module "${record.name}" must be named ${record.name.replaceAll('-', '_')}_<action> ([A-Za-z0-9_-], up to 64)`,
              {
                code: 'TOOL_NAME_INVALID',
                exitCode: ExitCode.Unexpected,
                details: {module: record.name, tool: tool.name},
              },
            );
          if (!declared || (declared.permission ?? 'authenticated') !== tool.permission)
            throw new SystemPromptError(
              `Tool "${tool.name}" of module "${record.name}" is not declared in module.yaml tools with permission ${tool.permission}`,
              {code: 'TOOL_UNDECLARED', exitCode: ExitCode.Unexpected, details: {module: record.name, tool: tool.name}},
            );
          if (this.moduleTools.some((known) => known.name === tool.name))
            throw new SystemPromptError(`Module "${record.name}" adds the tool ${tool.name} twice`, {
              code: 'TOOL_TAKEN',
              exitCode: ExitCode.Unexpected,
              details: {
                module: record.name,
                tool: tool.name,
              },
            });
          this.moduleTools.push({...tool, module: record.name});
        },
        list: () => this.moduleTools,
      },
      metrics: this.options.metrics?.forModule(record.name) ?? NO_METRICS,
      retention: {
        add: (policy) => {
          if (this.retentionPolicies.some((known) => known.module === record.name && known.name === policy.name))
            throw new SystemPromptError(`Module "${record.name}" adds the retention policy ${policy.name} twice`, {
              code: 'RETENTION_TAKEN',
              exitCode: ExitCode.Unexpected,
              details: {module: record.name, policy: policy.name},
            });
          this.retentionPolicies.push({...policy, module: record.name});
        },
      },
    };
  }

  /** Runs one lifecycle call with its module and phase in the logs and in any error. */
  private async phase<T>(entry: LoadedModule, phase: ModulePhase, call: () => Promise<T>): Promise<T> {
    const module = entry.record.name;
    const started = performance.now();
    this.logger.debug({module, phase}, `${phase} ${module}`);
    try {
      const result = await call();
      const elapsed = Math.round(performance.now() - started);
      if (elapsed > (this.options.slowPhaseMs ?? 2000))
        this.logger.warn({module, phase, ms: elapsed}, `${phase} of module ${module} is slow (${elapsed} ms)`);
      return result;
    } catch (error) {
      if (phase !== 'healthCheck') entry.state = 'failed';
      this.logger.error({module, phase, err: error}, `${phase} of module ${module} failed`);
      const inner = isSystemPromptError(error) ? error : undefined;
      const verb = phase === 'healthCheck' ? 'check its health' : phase;
      throw new SystemPromptError(
        `Module "${module}" failed to ${verb}: ${error instanceof Error ? error.message : String(error)}`,
        {
          code: inner?.code ?? 'MODULE_PHASE_FAILED',
          exitCode: inner?.exitCode ?? ExitCode.Unavailable,
          details: {...inner?.details, module, phase},
          ...(inner?.hint ? {hint: inner.hint} : {}),
          cause: error,
        },
      );
    }
  }
}
