import {randomUUID} from 'node:crypto';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
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
  type ModuleInterface,
} from '@systemprompt/core';
import {DatabaseService, parseDatabaseUrl} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import type {UsersApi} from '@systemprompt/users';
import usersModule from '@systemprompt/users';
import apiModule, {type ApiModuleApi} from '../../src/index.js';

export const API_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USERS_ROOT = join(API_ROOT, 'node_modules', '@systemprompt', 'users');

/** The users and api modules booted over one DatabaseService, as one process of the system has them. */
export interface ApiKernel {
  service: DatabaseService;
  users: UsersApi;
  api: ApiModuleApi;
  /**
   * The events emitted since boot, with the options they were emitted with and whether the
   * transaction they name was still open when they were emitted.
   */
  events: Array<{type: string; payload: unknown; options?: EmitOptions; inOpenTransaction: boolean}>;
  sql(statement: string, params?: unknown[]): Promise<any>;
  seedRole(name: string, permissions: string[]): Promise<void>;
  seedUser(email: string, roles?: string[], status?: string): Promise<Actor>;
  close(): Promise<void>;
}

/**
 * Boots the users and api modules the way the kernel does, with the services they declare, over the
 * database at `databaseUrl` (a mysql:// URL), or without one over `<home>/test.sqlite`. Processes
 * given the same home and URL share the database.
 */
export async function bootApiKernel(home: string, databaseUrl: string | undefined): Promise<ApiKernel> {
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
  const events: ApiKernel['events'] = [];
  const systemPaths = resolveSystemPaths({
    configDir: join(home, 'config'),
    dataDir: join(home, 'data'),
    cacheDir: join(home, 'cache'),
  });
  const boot = async <T>(module: ModuleInterface, root: string, services: Record<string, unknown>): Promise<T> => {
    const manifest = await loadManifest(root);
    const bus = new InMemoryEventBus().forSource(manifest.name);
    // Records what the module hands the bus (the in-memory bus has no store, so it drops the options).
    const recording = {
      emit: (event: string | {type: string}, payload: unknown, options?: EmitOptions) => {
        const transaction = options?.transaction as EntityManager | undefined;
        const type = typeof event === 'string' ? event : event.type;
        events.push({
          type,
          payload,
          options,
          inOpenTransaction: transaction?.queryRunner?.isTransactionActive === true,
        });
        return bus.emit(type, payload);
      },
      on: (type: string, handler: EventHandler) => bus.on(type, handler),
    } as EventBus;
    let provided: unknown;
    const unused = (what: string) => () => {
      throw new Error(`the test kernel has no ${what}`);
    };
    const context: ModuleContext = {
      name: manifest.name,
      manifest,
      root,
      logger: silentLogger,
      config: {},
      events: recording,
      services: {
        get: ((token: string | {module: string}) =>
          services[typeof token === 'string' ? token : token.module]) as ModuleContext['services']['get'],
        has: (token) => (typeof token === 'string' ? token : token.module) in services,
      },
      paths: modulePaths(systemPaths, manifest.name),
      systemPaths,
      capability: <S>(name: string) => (name === 'database' ? (service as S) : undefined),
      access: unused('access provider'),
      provide: (value) => void (provided = value),
      provideCapability: unused('capabilities to provide'),
      // Routes are the server's business; here there is no server to add them to.
      http: {add: () => {}, mount: () => {}},
      tools: {add: () => {}, list: () => []},
      modules: () => [],
      metrics: NO_METRICS,
      retention: {add: () => {}},
    };
    await module.initialize(context);
    return provided as T;
  };

  const users = await boot<UsersApi>(usersModule(), USERS_ROOT, {database: service});
  const api = await boot<ApiModuleApi>(apiModule(), API_ROOT, {users});
  const sql = async (statement: string, params: unknown[] = []) =>
    (await service.dataSource()).query(statement, params);
  return {
    service,
    users,
    api,
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
    async seedUser(email, roles = [], status = 'enabled') {
      const id = randomUUID();
      const now = new Date().toISOString();
      await sql('INSERT INTO users (id, email, name, status, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)', [
        id,
        email,
        status,
        now,
        now,
      ]);
      for (const role of roles) await sql('INSERT INTO users_memberships (user_id, role) VALUES (?, ?)', [id, role]);
      return {kind: 'user', id, label: email, via: 'session'};
    },
    close: () => service.close(),
  };
}
