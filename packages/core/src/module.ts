/**
 * The module contract. Every SystemPrompt OS module package exports a factory that returns a
 * ModuleInterface; the kernel hands it a ModuleContext that holds exactly what it declared.
 */
import type {ModuleManifest} from './generated/module-manifest.js';
import type {AccessProvider, Actor} from './actor.js';
import type {HttpRoutes} from './http.js';
import type {ModuleMetrics} from './metrics.js';
import type {ModuleTools} from './tools.js';
import type {ModuleRetention} from './retention.js';
import type {ModuleRecord} from './kernel/discovery.js';
import type {SystemPaths} from './paths.js';

export type ModuleType = 'service' | 'daemon' | 'plugin' | 'core' | 'extension';

export interface HealthStatus {
  healthy: boolean;
  message?: string;
}

export interface ModuleInterface<TConfig = Record<string, unknown>> {
  name: string;
  version: string;
  type: ModuleType;
  initialize(context: ModuleContext<TConfig>): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  healthCheck(): Promise<HealthStatus>;
}

/** The default export of a module package's runtime entry. */
export type ModuleFactory = () => ModuleInterface | Promise<ModuleInterface>;

/** Structured logger handed to modules (pino-compatible subset). */
export interface Logger {
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  fatal(obj: unknown, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface ModulePaths {
  /** Module's own directory for durable data (created on demand). */
  data: string;
  /** Module's own directory for configuration files. */
  config: string;
  /** Module's own directory for disposable cache. */
  cache: string;
}

/**
 * Names a module's published service with its type, once, in the package that provides it
 * (`export const USERS = serviceToken<UsersApi>('users')`): callers write `context.services.get(USERS)`
 * or `this.service(USERS)` and get the type with no string and no cast.
 */
export interface ServiceToken<S> {
  readonly module: string;
  /** Carries the service type; never set. */
  readonly service?: S;
}

export const serviceToken = <S>(module: string): ServiceToken<S> => Object.freeze({module});

/** Services of the module's declared dependencies, and nothing else. */
export interface ServiceRegistry {
  /** The service of a declared dependency; throws when its module is not declared. */
  get<T>(token: ServiceToken<T>): T;
  /** The same by module name (JavaScript modules, and code written before tokens; new code uses the token). */
  get<T = unknown>(moduleName: string): T;
  has(token: ServiceToken<unknown> | string): boolean;
}

export interface DomainEvent<T = unknown> {
  /** Position in the event store (ascending); absent when no store is attached (in-memory only). */
  id?: number;
  /** `module.noun.verb`, e.g. `user.created`, `module.started`. */
  type: string;
  payload: T;
  /** The module that emitted it. */
  source: string;
  /** Who caused it (the actor's label), when a person or key did. */
  actor?: string | null;
  /** What it is about (an id or name), for filtering. */
  subject?: string | null;
  occurredAt: string;
}

export type EventHandler<T = unknown> = (event: DomainEvent<T>) => void | Promise<void>;

/**
 * Names an event type with its payload, once, in the package that emits it
 * (`export const USER_CREATED = defineEvent<{id: string}>('user.created')`): `events.emit(USER_CREATED, ...)`
 * checks the payload and `events.on(USER_CREATED, ...)` hands the handler a typed event.
 */
export interface EventType<P> {
  readonly type: string;
  /** Carries the payload type; never set. */
  readonly payload?: P;
}

export const defineEvent = <P>(type: string): EventType<P> => Object.freeze({type});

export interface EmitOptions {
  /** Who caused the event; its label is stored. */
  actor?: Actor;
  subject?: string;
  /**
   * The transaction of the change (the EntityManager passed to `db.transaction`): the event row is
   * written in it (an outbox) and handlers run only after it commits; a rollback drops the event.
   */
  transaction?: unknown;
}

export interface EventBus {
  /** Persists the event (when a store is attached) and dispatches it to this process's handlers. */
  emit<P>(event: EventType<P>, payload: NoInfer<P>, options?: EmitOptions): Promise<void>;
  emit<T>(type: string, payload: T, options?: EmitOptions): Promise<void>;
  /**
   * Declares a handler for the types it handles: an exact type (`user.created`) or its token, a prefix
   * pattern (`user.*`) or `*`. Returns the function that removes it.
   */
  on<P>(event: EventType<P>, handler: EventHandler<P>): () => void;
  on(pattern: string, handler: EventHandler): () => void;
}

export interface ModuleContext<TConfig = Record<string, unknown>> {
  readonly name: string;
  readonly manifest: ModuleManifest;
  /** The module package's root directory (where module.yaml is); its migrations are found from here. */
  readonly root: string;
  readonly logger: Logger;
  /** The module's configuration, validated against its schema with defaults applied. */
  readonly config: TConfig;
  readonly events: EventBus;
  readonly services: ServiceRegistry;
  readonly paths: ModulePaths;
  /** The installation's own directories (the secret key and config files live in `config`). */
  readonly systemPaths: SystemPaths;
  /** Capabilities served by provider modules (`provides` in module.yaml), such as the database. */
  capability<T>(name: string): T | undefined;
  /**
   * The access decision and audit log (the module that `provides: [access]`, booted on first use, so
   * modules below it, such as database and config, check permissions in their services too).
   */
  access(): Promise<AccessProvider>;
  /** Publish this module's public service so modules that depend on it can use it. */
  provide<T>(service: T): void;
  /**
   * Publish the implementation of a capability the module declares in `provides` (e.g. the database
   * module's `events` store), when it is not the module's service itself.
   */
  provideCapability<T>(name: string, implementation: T): void;
  /** Adds HTTP routes under the module's prefix (`/api/<module>`); the server serves them. */
  readonly http: HttpRoutes;
  /** Every installed module (enabled or not, booted or not), as the command base sees them: for overviews. */
  modules(): readonly ModuleRecord[];
  /** Adds MCP tools (declared in module.yaml `tools`); the mcp module serves them. */
  readonly tools: ModuleTools;
  /** The module's metrics (`systemprompt_<module>_*`), exported at the server's /metrics; no-ops in a CLI process. */
  readonly metrics: ModuleMetrics;
  /** What the module keeps only for a while: policies that `data:clean` and the server's sweep run. */
  readonly retention: ModuleRetention;
}

/**
 * Base class with no-op lifecycle methods, so a module implements only what it needs. `TConfig` is the
 * type of its configuration (generated from its module.yaml schema, which the kernel validates the
 * values against before initialize), so `context.config` needs no cast.
 */
export abstract class BaseModule<TConfig = Record<string, unknown>> implements ModuleInterface<TConfig> {
  abstract readonly name: string;
  abstract readonly version: string;
  abstract readonly type: ModuleType;
  protected context: ModuleContext<TConfig> | undefined;

  async initialize(context: ModuleContext<TConfig>): Promise<void> {
    this.context = context;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async healthCheck(): Promise<HealthStatus> {
    return {healthy: true};
  }
}

export type {ModuleManifest} from './generated/module-manifest.js';
