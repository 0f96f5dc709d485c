import {randomUUID} from 'node:crypto';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  InMemoryEventBus,
  NO_METRICS,
  loadManifest,
  modulePaths,
  resolveSystemPaths,
  silentLogger,
  type Actor,
  type EmitOptions,
  type EventBus,
  type EventHandler,
  type ModuleContext,
} from '@systemprompt/core';
import {DatabaseService, parseDatabaseUrl} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import usersModule, {type UsersApi} from '@systemprompt/users';
import {MCP_ENTITIES} from '../src/entities.js';
import createMcp from '../src/migrations/20261202160000-create-mcp.js';
import {PromptService} from '../src/services/prompts.js';
import {ResourceService} from '../src/services/resources.js';

const USERS_ROOT = fileURLToPath(new URL('../../users', import.meta.url));
const MCP_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The users module booted as the kernel boots it, and the mcp module's prompt and resource services
 * over the same database (its migration applied from source, so no build is needed): what these
 * services see in a process of the system, without the parts of the mcp module they do not use.
 */
export interface ContentKernel {
  users: UsersApi;
  prompts: PromptService;
  resources: ResourceService;
  /** The mcp module's data directory (resource files live here). */
  dataDir: string;
  /** Every event emitted, with whether the transaction it names was still open. */
  events: Array<{type: string; payload: unknown; options?: EmitOptions; inOpenTransaction: boolean}>;
  sql(statement: string, params?: unknown[]): Promise<any>;
  seedRole(name: string, permissions: string[]): Promise<void>;
  seedUser(email: string, roles?: string[]): Promise<Actor>;
  /** The audit records of an action, oldest first. */
  audit(
    action: string,
  ): Promise<Array<{actor: string; target: string | null; result: string; permission: string | null}>>;
  close(): Promise<void>;
}

function recordingBus(source: string, events: ContentKernel['events']): EventBus {
  const bus = new InMemoryEventBus().forSource(source);
  return {
    emit: (event: string | {type: string}, payload: unknown, options?: EmitOptions) => {
      const transaction = options?.transaction as EntityManager | undefined;
      const type = typeof event === 'string' ? event : event.type;
      events.push({type, payload, options, inOpenTransaction: transaction?.queryRunner?.isTransactionActive === true});
      return bus.emit(type, payload);
    },
    on: (type: string, handler: EventHandler) => bus.on(type, handler),
  } as EventBus;
}

export async function bootContentKernel(home: string, databaseUrl: string | undefined): Promise<ContentKernel> {
  const service = new DatabaseService(
    {
      target: parseDatabaseUrl(databaseUrl, join(home, 'test.sqlite')),
      poolSize: 4,
      busyTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 5000,
    },
    silentLogger,
  );
  const events: ContentKernel['events'] = [];
  const systemPaths = resolveSystemPaths({
    configDir: join(home, 'config'),
    dataDir: join(home, 'data'),
    cacheDir: join(home, 'cache'),
  });
  const manifest = await loadManifest(USERS_ROOT);
  let users: UsersApi | undefined;
  const unused = (what: string) => () => {
    throw new Error(`the test kernel has no ${what}`);
  };
  const context = {
    name: manifest.name,
    manifest,
    root: USERS_ROOT,
    logger: silentLogger,
    config: {},
    events: recordingBus('users', events),
    services: {
      get: ((token: string | {module: string}) =>
        (typeof token === 'string' ? token : token.module) === 'database' ? service : undefined) as never,
      has: (token: string | {module: string}) => (typeof token === 'string' ? token : token.module) === 'database',
    },
    paths: modulePaths(systemPaths, manifest.name),
    systemPaths,
    capability: <S>(name: string) => (name === 'database' ? (service as S) : undefined),
    access: unused('access provider'),
    provide: (value: unknown) => void (users = value as UsersApi),
    provideCapability: unused('capabilities to provide'),
    http: {add: () => {}, mount: () => {}},
    tools: {add: () => {}, list: () => []},
    modules: () => [],
    metrics: NO_METRICS,
    retention: {add: () => {}},
  } as unknown as ModuleContext;
  await usersModule().initialize(context);

  // The mcp migration from its source (the module's own start applies the compiled one).
  await (await service.runner()).migrate([{module: 'mcp', ...createMcp}]);
  const db = await service.forModule(
    {name: 'mcp', root: MCP_ROOT, manifest: {migrations: undefined}} as never,
    MCP_ENTITIES,
  );
  const mcpEvents = recordingBus('mcp', events);
  const dataDir = modulePaths(systemPaths, 'mcp').data;
  const sql = async (statement: string, params: unknown[] = []) =>
    (await service.dataSource()).query(statement, params);
  return {
    users: users!,
    prompts: new PromptService(db, users!.access, mcpEvents),
    resources: new ResourceService(db, users!.access, mcpEvents, dataDir),
    dataDir,
    events,
    sql,
    async seedRole(name, permissions) {
      await sql('INSERT INTO users_roles (name, description, builtin, created_at) VALUES (?, ?, ?, ?)', [
        name,
        name,
        false,
        new Date().toISOString(),
      ]);
      for (const permission of permissions)
        await sql('INSERT INTO users_role_permissions (role, permission) VALUES (?, ?)', [name, permission]);
    },
    async seedUser(email, roles = []) {
      const id = randomUUID();
      const now = new Date().toISOString();
      await sql('INSERT INTO users (id, email, name, status, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)', [
        id,
        email,
        'enabled',
        now,
        now,
      ]);
      for (const role of roles) await sql('INSERT INTO users_memberships (user_id, role) VALUES (?, ?)', [id, role]);
      return {kind: 'user', id, label: email, via: 'session'};
    },
    async audit(action) {
      return sql('SELECT actor, target, result, permission FROM users_audit WHERE action = ? ORDER BY id', [action]);
    },
    close: () => service.close(),
  };
}

/** Expects `promise` to fail with a SystemPromptError of this exit code and code; returns the error. */
export async function failure(
  promise: Promise<unknown>,
  exitCode: number,
  code: string,
): Promise<Error & {code: string; exitCode: number; details?: Record<string, unknown>; hint?: string}> {
  try {
    await promise;
  } catch (error) {
    const caught = error as Error & {code: string; exitCode: number};
    expect(caught.exitCode, caught.message).to.equal(exitCode);
    expect(caught.code, caught.message).to.equal(code);
    return caught;
  }
  throw new Error(`expected exit ${exitCode} ${code}, but it succeeded`);
}
