import {statfs} from 'node:fs/promises';
import {arch, cpus, freemem, hostname, loadavg, platform, release, totalmem, uptime} from 'node:os';
import {
  followStoredEvents,
  liveServer,
  notFound,
  unavailable,
  type AccessProvider,
  type Actor,
  type DomainEvent,
  type EventStore,
} from '@systemprompt/core';
import type {ModuleHealth} from '@systemprompt/core/kernel';
import type {ModuleDatabase} from '@systemprompt/database';
import {followLogRecords, readLogRecords, type LogRecord} from '@systemprompt/logger';
import {join} from 'node:path';
import {fetchServer, readServerToken} from '@systemprompt/core';
import type {HeartbeatService, HeartbeatView} from './heartbeats.js';

export interface ModuleVersion {
  name: string;
  version: string;
  enabled: boolean;
}

export interface ServerStatus {
  running: boolean;
  pid?: number;
  host?: string;
  port?: number;
  url?: string;
  state?: string;
  detached?: boolean;
  startedAt?: string;
  uptimeSeconds?: number;
  /** From the server's last heartbeat. */
  rssBytes?: number;
  cpuPercent?: number;
}

export interface SystemStatus {
  node: string;
  os: string;
  hostname: string;
  cpus: number;
  load: number[];
  memory: {totalBytes: number; freeBytes: number};
  hostUptimeSeconds: number;
  server: ServerStatus;
  modules: ModuleVersion[];
}

export interface HealthCheck {
  name: string;
  kind: 'module' | 'database' | 'disk' | 'server';
  healthy: boolean;
  message: string;
}

export interface HealthReport {
  healthy: boolean;
  /** Names of what is unhealthy. */
  unhealthy: string[];
  checks: HealthCheck[];
}

export interface EventListQuery {
  types?: string[];
  since?: Date;
  limit: number;
}

export interface LogQuery {
  module?: string;
  level?: string;
  since?: Date;
  limit?: number;
}

/** What a system service needs beside its database (the kernel lives in the command, not in the module). */
export interface SystemEnvironment {
  dataDirectory: string;
  diskMinFreeMb: number;
  events: () => EventStore | undefined;
  access: () => Promise<AccessProvider>;
}

/**
 * The installation as a whole: status, health and the event log. Every method checks the caller's
 * permission first; none needs the server to run (it reads the state file and the database), but
 * each says what the server answers when one does.
 */
export class SystemService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly heartbeats: HeartbeatService,
    private readonly environment: SystemEnvironment,
  ) {}

  private async authorize(actor: Actor, permission: string, action: string): Promise<void> {
    await (await this.environment.access()).authorize(actor, permission, action);
  }

  /** Starting, stopping and restarting the server, and clearing heartbeats, need system:write. */
  async authorizeControl(actor: Actor, action: string): Promise<void> {
    await this.authorize(actor, 'system:write', action);
  }

  async status(actor: Actor, modules: readonly ModuleVersion[]): Promise<SystemStatus> {
    await this.authorize(actor, 'system:read', 'system.status');
    return {
      node: process.version,
      os: `${platform()} ${release()} ${arch()}`,
      hostname: hostname(),
      cpus: cpus().length,
      load: loadavg().map((value) => Math.round(value * 100) / 100),
      memory: {totalBytes: totalmem(), freeBytes: freemem()},
      hostUptimeSeconds: Math.round(uptime()),
      server: await this.server(),
      modules: [...modules],
    };
  }

  /** The server of this installation, from its state file and its last heartbeat. */
  async server(): Promise<ServerStatus> {
    const state = liveServer(this.environment.dataDirectory);
    if (!state) return {running: false};
    const beat: HeartbeatView | undefined = await this.heartbeats.find(state.serverId).catch(() => undefined);
    return {
      running: true,
      pid: state.pid,
      host: state.host,
      port: state.port,
      url: state.url,
      state: state.state,
      detached: state.detached,
      startedAt: state.startedAt,
      uptimeSeconds: Math.round((Date.now() - Date.parse(state.startedAt)) / 1000),
      ...(beat ? {rssBytes: beat.rssBytes, cpuPercent: beat.cpuPercent} : {}),
    };
  }

  /**
   * Every module's health check (run by the caller, which boots them), the database, the data
   * directory's free disk space, and whether the running server answers /health.
   */
  async health(actor: Actor, moduleHealth: () => Promise<ModuleHealth[]>): Promise<HealthReport> {
    await this.authorize(actor, 'system:read', 'system.health');
    const checks: HealthCheck[] = [];
    for (const result of await moduleHealth()) {
      checks.push({
        name: result.module,
        kind: 'module',
        healthy: result.healthy,
        message: result.message ?? (result.healthy ? 'healthy' : 'unhealthy'),
      });
    }
    checks.push(await this.databaseCheck(), await this.diskCheck(), await this.serverCheck());
    const unhealthy = checks.filter((check) => !check.healthy).map((check) => check.name);
    return {healthy: unhealthy.length === 0, unhealthy, checks};
  }

  private async databaseCheck(): Promise<HealthCheck> {
    const started = performance.now();
    try {
      await this.db.manager.query('SELECT 1');
      const ms = Math.round((performance.now() - started) * 10) / 10;
      return {name: 'database', kind: 'database', healthy: true, message: `${this.db.engine}, answered in ${ms} ms`};
    } catch (error) {
      return {name: 'database', kind: 'database', healthy: false, message: (error as Error).message};
    }
  }

  private async diskCheck(): Promise<HealthCheck> {
    const directory = this.environment.dataDirectory;
    const stats = await statfs(directory);
    const freeMb = Math.floor((Number(stats.bavail) * Number(stats.bsize)) / 1024 ** 2);
    const minimum = this.environment.diskMinFreeMb;
    return {
      name: 'disk',
      kind: 'disk',
      healthy: freeMb >= minimum,
      message: `${freeMb} MB free in ${directory}${freeMb < minimum ? ` (below ${minimum} MB)` : ''}`,
    };
  }

  private async serverCheck(): Promise<HealthCheck> {
    const state = liveServer(this.environment.dataDirectory);
    if (!state) return {name: 'server', kind: 'server', healthy: true, message: 'not running'};
    try {
      const response = await fetchServer(state, '/health', {timeoutMs: 3000, auth: false});
      if (response.status === 200)
        return {name: 'server', kind: 'server', healthy: true, message: `${state.url} healthy`};
      const body = (await response.json().catch(() => ({}))) as {unhealthy?: string[]};
      return {
        name: 'server',
        kind: 'server',
        healthy: false,
        message: `${state.url}/health answered ${response.status}${body.unhealthy?.length ? ` (unhealthy: ${body.unhealthy.join(', ')})` : ''}`,
      };
    } catch (error) {
      return {
        name: 'server',
        kind: 'server',
        healthy: false,
        message: `${state.url} does not answer: ${(error as Error).message}`,
      };
    }
  }

  private store(): EventStore {
    const store = this.environment.events();
    if (!store) throw unavailable('No event store: the database module is not booted', {code: 'EVENTS_UNAVAILABLE'});
    return store;
  }

  /** The newest events (oldest first), filtered by type patterns and time (system:read). */
  async events(actor: Actor, query: EventListQuery): Promise<DomainEvent[]> {
    await this.authorize(actor, 'system:read', 'system.events');
    const newest = await this.store().list({
      ...(query.types?.length ? {types: query.types} : {}),
      ...(query.since ? {since: query.since} : {}),
      limit: query.limit,
      order: 'desc',
    });
    return newest.reverse();
  }

  /** Events written after `afterId`, as they come, until `signal` aborts (system:events --follow). */
  async *followEvents(
    actor: Actor,
    query: {types?: string[]; afterId: number; signal: AbortSignal},
  ): AsyncIterable<DomainEvent> {
    await this.authorize(actor, 'system:read', 'system.events');
    yield* followStoredEvents(this.store(), query);
  }

  /** The running server's /metrics (Prometheus text), fetched with the local server token (system:read). */
  async scrapeMetrics(actor: Actor): Promise<string> {
    await this.authorize(actor, 'system:read', 'system.metrics');
    const state = liveServer(this.environment.dataDirectory);
    if (!state)
      throw notFound('No server of this installation is running', {
        code: 'SERVER_NOT_RUNNING',
        hint: 'Start one with system:start (its metrics live in the server process).',
      });
    const token = await readServerToken(this.environment.dataDirectory);
    const response = await fetchServer(state, '/metrics', {timeoutMs: 10_000, auth: token ?? false}).catch(
      (error: unknown) => {
        throw unavailable(`The server at ${state.url} does not answer: ${(error as Error).message}`, {
          code: 'SERVER_UNREACHABLE',
        });
      },
    );
    if (response.status !== 200)
      throw unavailable(`The server answered ${response.status} to /metrics`, {code: 'SERVER_UNREACHABLE'});
    return response.text();
  }

  /** Log records of every process (CLI commands and servers), from every rotated file, in time order (system:read). */
  async logs(actor: Actor, query: LogQuery): Promise<LogRecord[]> {
    await this.authorize(actor, 'system:read', 'system.logs');
    return readLogRecords({directory: this.logDirectory, ...query});
  }

  /** The records written from now on, across rotations, until `signal` aborts. */
  async followLogs(
    actor: Actor,
    query: Omit<LogQuery, 'limit'> & {signal: AbortSignal},
  ): Promise<AsyncIterable<LogRecord>> {
    await this.authorize(actor, 'system:read', 'system.logs');
    return followLogRecords({directory: this.logDirectory, ...query});
  }

  private get logDirectory(): string {
    return join(this.environment.dataDirectory, 'logs');
  }

  /** The id of the newest stored event (0 when there is none). */
  async latestEventId(): Promise<number> {
    return this.store().latestId();
  }
}
