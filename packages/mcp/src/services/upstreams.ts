import type {AccessProvider, Actor, ConfirmStep, EventBus, Logger} from '@systemprompt/core';
import type {SecretBox} from '@systemprompt/core/config';
import {isUniqueViolation, type ModuleDatabase} from '@systemprompt/database';
import {UpstreamServer, type UpstreamServerRow} from '../entities.js';
import {
  describeFailure,
  scanUpstream,
  type ScanOutcome,
  type UpstreamCallResult,
  type UpstreamTarget,
} from './upstream-client.js';
import {UpstreamPool, UpstreamToolCache} from './upstream-pool.js';
import {
  checkUpstreamInput,
  exists,
  formatCommand,
  missing,
  parseTools,
  upstreamView,
  type AddedUpstream,
  type RemovedUpstream,
  type UpstreamInput,
  type UpstreamPreview,
  type UpstreamRefresh,
  type UpstreamTestResult,
  type UpstreamTool,
  type UpstreamView,
} from './upstream-views.js';

export {type CachedTool, type UpstreamCallResult} from './upstream-client.js';
export {
  UPSTREAM_NAME,
  formatCommand,
  type AddedUpstream,
  type RemovedUpstream,
  type UpstreamInput,
  type UpstreamPreview,
  type UpstreamRefresh,
  type UpstreamTestResult,
  type UpstreamTool,
  type UpstreamView,
} from './upstream-views.js';

export interface UpstreamServiceOptions {
  /** How long a connect, a listing or a call may take. */
  timeoutMs: number;
  logger: Logger;
}

const TOOLS_CHANGED = 'mcp.tools.changed';

/**
 * The gateway to upstream MCP servers: their registry (mcp_servers), the cache of their tools, and
 * one live client per server for calls. The registry lives in the database, shared by every server
 * and CLI process; the connections live in this process. Header values are stored encrypted with
 * the installation's secret key and never shown: only the servers they are sent to see them, and
 * only mcp:write (add, test) or a caller of a permitted tool makes them be sent.
 */
export class UpstreamService {
  private readonly toolCache: UpstreamToolCache;
  private readonly pool: UpstreamPool;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly secrets: SecretBox,
    private readonly options: UpstreamServiceOptions,
  ) {
    this.toolCache = new UpstreamToolCache(db, options.logger);
    this.pool = new UpstreamPool(
      {
        describe: async (server) => {
          const row = await this.find(server);
          return {row, target: await this.target(row)};
        },
        headerValues: (server) => this.headerValues(server),
        markUnreachable: (server, reason) => this.markUnreachable(server, reason),
        markReachable: (server) => this.markReachable(server),
      },
      options,
    );
    // A change made by another process: read the registry again on the next look.
    events.on(TOOLS_CHANGED, () => this.invalidate());
  }

  /**
   * Adds a server (mcp:write): checks the input, connects once to list its tools and stores them;
   * a server that cannot be reached is added as `unreachable`, with a warning. With `dryRun` the
   * input, the permission and the name are checked and nothing is contacted or stored.
   */
  async add(
    actor: Actor,
    input: UpstreamInput,
    options: {dryRun?: boolean} = {},
  ): Promise<AddedUpstream | UpstreamPreview> {
    await this.access.authorize(
      actor,
      'mcp:write',
      'mcp.server.add',
      typeof input?.name === 'string' ? input.name : null,
    );
    const target = checkUpstreamInput(input);
    const {name} = target;
    if (await this.db.repository(UpstreamServer).findOneBy({name})) throw exists(name);
    const headerNames = Object.keys(target.headers ?? {});
    const shown = target.transport === 'http' ? target.url! : formatCommand(target.command!);
    if (options.dryRun) return {name, transport: target.transport, target: shown, headerNames, dryRun: true};

    const scan = await scanUpstream(target, {timeoutMs: this.options.timeoutMs});
    const now = new Date().toISOString();
    const row: UpstreamServerRow = {
      name,
      transport: target.transport,
      url: target.url ?? null,
      command: target.command ? JSON.stringify(target.command) : null,
      headers: target.headers ? await this.secrets.encrypt(target.headers) : null,
      status: scan.ok ? 'ok' : 'unreachable',
      lastError: scan.ok ? null : scan.error,
      tools: JSON.stringify(scan.ok ? scan.tools : []),
      refreshedAt: scan.ok ? now : null,
      createdAt: now,
    };
    try {
      await this.db.transaction(async (manager) => {
        await manager.getRepository(UpstreamServer).insert(row);
        const change = {transaction: manager, actor, subject: name};
        await this.events.emit(
          'mcp.server.added',
          {name, transport: row.transport, status: row.status, tools: scan.ok ? scan.tools.length : 0},
          change,
        );
        await this.events.emit(TOOLS_CHANGED, {server: name, change: 'added'}, change);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw exists(name);
      throw error;
    }
    this.invalidate();
    await this.access.record(actor, {
      action: 'mcp.server.add',
      target: name,
      result: 'ok',
      permission: 'mcp:write',
      details: {transport: row.transport, target: shown, headerNames, status: row.status},
    });
    return {
      ...upstreamView(row, headerNames),
      tools: (scan.ok ? scan.tools : []).map((tool) => tool.name),
      ...(scan.ok
        ? {}
        : {
            warning: `${name} was added, but it cannot be reached (${scan.error}); its tools appear once mcp:servers:test ${name} or tools:refresh reaches it.`,
          }),
    };
  }

  /** Every upstream server (mcp:read), by name; header names only. */
  async list(actor: Actor): Promise<UpstreamView[]> {
    await this.access.authorize(actor, 'mcp:read', 'mcp.server.list');
    const rows = await this.db.repository(UpstreamServer).find({order: {name: 'ASC'}});
    return Promise.all(rows.map(async (row) => upstreamView(row, await this.headerNames(row))));
  }

  /** Removes a server and its tools (mcp:write); `confirm` is asked after the look-up. */
  async remove(
    actor: Actor,
    name: string,
    options: {dryRun?: boolean; confirm?: ConfirmStep} = {},
  ): Promise<RemovedUpstream> {
    await this.access.authorize(actor, 'mcp:write', 'mcp.server.remove', name);
    const row = await this.find(name);
    const toolCount = parseTools(row).length;
    if (options.dryRun) return {name: row.name, removed: false, toolCount, dryRun: true};
    await options.confirm?.(
      `Remove the upstream MCP server ${row.name}? Its ${toolCount} tools (${row.name}__*) disappear for every client.`,
    );
    const removed = await this.db.transaction(async (manager) => {
      const result = await manager.getRepository(UpstreamServer).delete({name: row.name});
      if ((result.affected ?? 1) === 0) return false;
      const change = {transaction: manager, actor, subject: row.name};
      await this.events.emit('mcp.server.removed', {name: row.name}, change);
      await this.events.emit(TOOLS_CHANGED, {server: row.name, change: 'removed'}, change);
      return true;
    });
    if (!removed) throw missing(name);
    this.invalidate();
    await this.pool.disconnect(row.name);
    await this.access.record(actor, {
      action: 'mcp.server.remove',
      target: row.name,
      result: 'ok',
      permission: 'mcp:write',
      details: {transport: row.transport, tools: toolCount},
    });
    return {name: row.name, removed: true, toolCount};
  }

  /**
   * Connects to a server with its stored credentials and lists its tools (mcp:write, since the
   * credentials are sent); the result also refreshes the cached tools and the status.
   */
  async test(actor: Actor, name: string): Promise<UpstreamTestResult> {
    await this.access.authorize(actor, 'mcp:write', 'mcp.server.test', name);
    const row = await this.find(name);
    const scan = await scanUpstream(await this.target(row), {timeoutMs: this.options.timeoutMs});
    const changed = await this.store(row, scan);
    if (changed)
      await this.events.emit(TOOLS_CHANGED, {server: row.name, change: 'refreshed'}, {actor, subject: row.name});
    await this.access.record(actor, {
      action: 'mcp.server.test',
      target: row.name,
      result: scan.ok ? 'ok' : 'failed',
      permission: 'mcp:write',
      details: scan.ok ? {tools: scan.tools.length, latencyMs: scan.latencyMs} : {error: scan.error},
    });
    return scan.ok
      ? {
          name: row.name,
          reachable: true,
          ...(scan.protocolVersion ? {protocolVersion: scan.protocolVersion} : {}),
          ...(scan.era ? {era: scan.era} : {}),
          tools: scan.tools.length,
          latencyMs: scan.latencyMs,
        }
      : {name: row.name, reachable: false, tools: 0, latencyMs: scan.latencyMs, error: scan.error};
  }

  /** Lists the tools of one server, or of every server, again (tools:write); unreachable ones keep their last tools. */
  async refresh(actor: Actor, name?: string): Promise<UpstreamRefresh[]> {
    await this.access.authorize(actor, 'tools:write', 'tools.refresh', name ?? null);
    const rows =
      name === undefined
        ? await this.db.repository(UpstreamServer).find({order: {name: 'ASC'}})
        : [await this.find(name)];
    const results = await Promise.all(
      rows.map(async (row): Promise<UpstreamRefresh> => {
        const scan = await scanUpstream(await this.target(row), {timeoutMs: this.options.timeoutMs});
        const changed = await this.store(row, scan);
        return {
          name: row.name,
          status: scan.ok ? 'ok' : 'unreachable',
          tools: scan.ok ? scan.tools.length : parseTools(row).length,
          changed,
          ...(scan.ok ? {} : {error: scan.error}),
        };
      }),
    );
    const changed = results.filter((result) => result.changed).map((result) => result.name);
    if (changed.length > 0)
      await this.events.emit(
        TOOLS_CHANGED,
        {servers: changed, change: 'refreshed'},
        {actor, ...(name ? {subject: name} : {})},
      );
    if (rows.length > 0)
      await this.access.record(actor, {
        action: 'tools.refresh',
        target: name ?? null,
        result: 'ok',
        permission: 'tools:write',
        details: {servers: results.map(({name: server, status, tools}) => ({server, status, tools}))},
      });
    return results;
  }

  /**
   * Every tool of every server from the cache (no permission: the catalogue filters per caller),
   * as `NAME__tool`; names that do not fit [A-Za-z0-9_-]{1,64} once prefixed are left out (logged).
   */
  async cachedTools(): Promise<UpstreamTool[]> {
    return this.toolCache.tools();
  }

  /**
   * Calls a tool of a server through its live connection (made on first use). No permission check:
   * the caller checks `mcp:<server>__<tool>` first. A broken connection is made again once; when
   * that fails the server is marked unreachable and the call fails with UPSTREAM_UNREACHABLE.
   */
  async callTool(
    server: string,
    upstreamName: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<UpstreamCallResult> {
    return this.pool.call(server, upstreamName, args, signal);
  }

  /** Closes every live connection (and ends every stdio child). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  // ---- internals -------------------------------------------------------------------------------

  private invalidate(): void {
    this.toolCache.invalidate();
  }

  private async find(name: string): Promise<UpstreamServerRow> {
    const row =
      typeof name === 'string' && name.length <= 32 ? await this.db.repository(UpstreamServer).findOneBy({name}) : null;
    if (!row) throw missing(String(name));
    return row;
  }

  private async headers(row: Pick<UpstreamServerRow, 'headers'>): Promise<Record<string, string>> {
    if (!row.headers) return {};
    const value = await this.secrets.decrypt(row.headers);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
  }

  /** The names of the stored headers; a row whose headers cannot be decrypted (another secret key) shows none, with a warning logged. */
  private async headerNames(row: UpstreamServerRow): Promise<string[]> {
    try {
      return Object.keys(await this.headers(row));
    } catch (error) {
      this.options.logger.warn({server: row.name, err: describeFailure(error)}, 'upstream headers cannot be decrypted');
      return [];
    }
  }

  /** The header values of a server, to keep them out of messages. */
  private async headerValues(server: string): Promise<string[]> {
    const row = await this.db.repository(UpstreamServer).findOneBy({name: server});
    return row ? Object.values(await this.headers(row).catch(() => ({}))) : [];
  }

  private async target(row: UpstreamServerRow): Promise<UpstreamTarget> {
    if (row.transport === 'http')
      return {name: row.name, transport: 'http', url: row.url!, headers: await this.headers(row)};
    return {name: row.name, transport: 'stdio', command: JSON.parse(row.command ?? '[]') as string[]};
  }

  /** Stores what a scan found; true when the tools or the status changed. A failed scan keeps the last tools. */
  private async store(row: UpstreamServerRow, scan: ScanOutcome): Promise<boolean> {
    const tools = scan.ok ? JSON.stringify(scan.tools) : row.tools;
    const status = scan.ok ? 'ok' : 'unreachable';
    await this.db.repository(UpstreamServer).update(
      {name: row.name},
      {
        status,
        tools,
        lastError: scan.ok ? null : scan.error,
        ...(scan.ok ? {refreshedAt: new Date().toISOString()} : {}),
      },
    );
    this.invalidate();
    const changed = tools !== row.tools || status !== row.status;
    // A live connection knows the old tool definitions: the next call connects afresh.
    if (changed) await this.pool.disconnect(row.name);
    return changed;
  }

  private async markUnreachable(server: string, reason: string): Promise<void> {
    const repository = this.db.repository(UpstreamServer);
    const row = await repository.findOneBy({name: server});
    if (!row) return;
    await repository.update({name: server}, {status: 'unreachable', lastError: reason || row.lastError});
    this.invalidate();
    if (row.status !== 'unreachable')
      await this.events.emit(TOOLS_CHANGED, {server, change: 'unreachable'}, {subject: server});
  }

  private async markReachable(server: string): Promise<void> {
    const result = await this.db
      .repository(UpstreamServer)
      .createQueryBuilder()
      .update()
      .set({status: 'ok', lastError: null})
      .where("name = :name AND status <> 'ok'", {name: server})
      .execute();
    this.invalidate();
    if ((result.affected ?? 0) > 0)
      await this.events.emit(TOOLS_CHANGED, {server, change: 'reachable'}, {subject: server});
  }
}
