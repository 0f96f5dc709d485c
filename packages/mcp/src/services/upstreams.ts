import {
  TOOL_NAME_PATTERN,
  conflict,
  notFound,
  unavailable,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type JsonSchema,
  type Logger,
  type ToolAnnotations,
} from '@systemprompt/core';
import type {SecretBox} from '@systemprompt/core/config';
import type {Tool} from '@modelcontextprotocol/client';
import type {ModuleDatabase} from '@systemprompt/database';
import {UpstreamServer, type UpstreamServerRow} from '../entities.js';
import {
  callFailure,
  checkUpstreamInput,
  connectUpstream,
  describeFailure,
  formatCommand,
  scanUpstream,
  type CachedTool,
  type ScanOutcome,
  type UpstreamConnection,
  type UpstreamInput,
  type UpstreamTarget,
} from './upstream-client.js';

export {UPSTREAM_NAME, formatCommand, type CachedTool, type UpstreamInput} from './upstream-client.js';

/** An upstream server as mcp:servers:list shows it: header names, never their values. */
export interface UpstreamView {
  name: string;
  transport: 'http' | 'stdio';
  /** The URL, or the command line. */
  target: string;
  headerNames: string[];
  /** `ok`, or `unreachable` after the last attempt failed. */
  status: string;
  lastError: string | null;
  toolCount: number;
  /** When its tools were last listed. */
  refreshedAt: string | null;
  createdAt: string;
}

/** What add returns: the server, its tools' names, and a warning when it could not be reached. */
export interface AddedUpstream extends UpstreamView {
  tools: string[];
  warning?: string;
}

/** What a dry run of add returns: the server that would be added (not contacted). */
export interface UpstreamPreview {
  name: string;
  transport: 'http' | 'stdio';
  target: string;
  headerNames: string[];
  dryRun: true;
}

export interface RemovedUpstream {
  name: string;
  removed: boolean;
  toolCount: number;
  dryRun?: true;
}

export interface UpstreamTestResult {
  name: string;
  reachable: boolean;
  protocolVersion?: string;
  /** `legacy` (2025 `initialize`) or `modern` (2026-07-28). */
  era?: string;
  tools: number;
  latencyMs: number;
  error?: string;
}

export interface UpstreamRefresh {
  name: string;
  status: string;
  /** How many tools it has (its last ones, when it cannot be reached). */
  tools: number;
  /** Its tools or its status changed. */
  changed: boolean;
  /** Why it cannot be reached. */
  error?: string;
}

/** One tool of an upstream server as the catalogue serves it: `NAME__tool`. */
export interface UpstreamTool {
  server: string;
  name: string;
  /** The upstream server's own name for it. */
  upstreamName: string;
  title?: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  /** False while the server is unreachable. */
  available: boolean;
}

/** A tool result as MCP carries it. */
export interface UpstreamCallResult {
  content: Array<Record<string, unknown>>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface UpstreamServiceOptions {
  /** How long a connect, a listing or a call may take. */
  timeoutMs: number;
  logger: Logger;
}

/** Other processes (CLI commands, other servers on the same database) change servers: re-read this often at most. */
const CACHE_TTL_MS = 2000;
const TOOLS_CHANGED = 'mcp.tools.changed';
const UNIQUE_VIOLATIONS = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const isUniqueViolation = (error: unknown): boolean => {
  const driver = (error as {driverError?: {code?: unknown}}).driverError ?? (error as {code?: unknown});
  return UNIQUE_VIOLATIONS.has(String(driver?.code));
};

const exists = (name: string) =>
  conflict(`An upstream MCP server named ${name} already exists`, {
    code: 'UPSTREAM_EXISTS',
    hint: 'Choose another name, or remove it first (mcp:servers:remove NAME).',
  });

const missing = (name: string) =>
  notFound(`No upstream MCP server named ${JSON.stringify(name.slice(0, 40))}`, {
    code: 'UPSTREAM_NOT_FOUND',
    hint: 'See mcp:servers:list.',
  });

const parseTools = (row: Pick<UpstreamServerRow, 'tools'>): CachedTool[] => {
  const tools = JSON.parse(row.tools || '[]') as unknown;
  return Array.isArray(tools) ? (tools as CachedTool[]) : [];
};

const targetOf = (row: UpstreamServerRow): string =>
  row.transport === 'http' ? (row.url ?? '') : formatCommand(JSON.parse(row.command ?? '[]') as string[]);

interface Pooled {
  connection: UpstreamConnection;
  /** Its tools as last listed, for the SDK's output validation (and SEP-2243 header mirroring). */
  tools: Map<string, CachedTool>;
  /** The server's status when the connection was made. */
  status: string;
}

/**
 * The gateway to upstream MCP servers: their registry (mcp_servers), the cache of their tools, and
 * one live client per server for calls. The registry lives in the database, shared by every server
 * and CLI process; the connections live in this process. Header values are stored encrypted with
 * the installation's secret key and never shown: only the servers they are sent to see them, and
 * only mcp:write (add, test) or a caller of a permitted tool makes them be sent.
 */
export class UpstreamService {
  private cache: {at: number; tools: Promise<UpstreamTool[]>} | undefined;
  private readonly pool = new Map<string, Promise<Pooled>>();
  /** Tool names already warned about (once per process, not on every re-read). */
  private readonly warned = new Set<string>();

  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly secrets: SecretBox,
    private readonly options: UpstreamServiceOptions,
  ) {
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
      ...this.view(row, headerNames),
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
    return Promise.all(rows.map(async (row) => this.view(row, await this.headerNames(row))));
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
    await this.disconnect(row.name);
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
    const now = Date.now();
    if (!this.cache || this.cache.at + CACHE_TTL_MS <= now) {
      const tools = this.readTools();
      const entry = {at: now, tools};
      this.cache = entry;
      // A failed read is not kept: the next caller tries again.
      tools.catch(() => {
        if (this.cache === entry) this.cache = undefined;
      });
    }
    return this.cache.tools;
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
    const tool = `${server}__${upstreamName}`;
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) throw this.cancelled(tool);
      let pooled: Pooled;
      try {
        pooled = await this.connection(server);
      } catch (error) {
        if ((error as {code?: unknown}).code === 'UPSTREAM_UNREACHABLE')
          await this.markUnreachable(server, (error as {details?: {reason?: string}}).details?.reason ?? '');
        throw error;
      }
      try {
        const definition = pooled.tools.get(upstreamName);
        const result = await pooled.connection.client.callTool(
          {name: upstreamName, arguments: args},
          {
            signal,
            timeout: this.options.timeoutMs,
            ...(definition ? {toolDefinition: definition as unknown as Tool} : {}),
          },
        );
        if (pooled.status !== 'ok') {
          pooled.status = 'ok';
          await this.markReachable(server);
        }
        return {
          content: result.content ?? [],
          ...(result.structuredContent !== undefined
            ? {structuredContent: result.structuredContent as Record<string, unknown>}
            : {}),
          ...(result.isError ? {isError: true} : {}),
        };
      } catch (error) {
        if (signal.aborted) throw this.cancelled(tool);
        const reason = describeFailure(error, await this.headerValues(server));
        const refusal = await callFailure(error, {
          server,
          tool: upstreamName,
          reason,
          timeoutMs: this.options.timeoutMs,
        });
        if (refusal) throw refusal;
        // The connection broke (the child exited, the server restarted or forgot the session).
        await this.disconnect(server, pooled);
        if (attempt === 1) {
          this.options.logger.warn({server, err: reason}, 'upstream MCP connection broke; connecting again');
          continue;
        }
        await this.markUnreachable(server, reason);
        throw unavailable(`Cannot reach upstream MCP server ${server}: ${reason}`, {
          code: 'UPSTREAM_UNREACHABLE',
          details: {server, reason},
          hint: `Check it with mcp:servers:test ${server}.`,
        });
      }
    }
  }

  /** Closes every live connection (and ends every stdio child). */
  async close(): Promise<void> {
    const pending = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(
      pending.map((entry) =>
        entry.then(
          (pooled) => pooled.connection.close(),
          () => undefined,
        ),
      ),
    );
  }

  // ---- internals -------------------------------------------------------------------------------

  private invalidate(): void {
    this.cache = undefined;
  }

  private async find(name: string): Promise<UpstreamServerRow> {
    const row =
      typeof name === 'string' && name.length <= 32 ? await this.db.repository(UpstreamServer).findOneBy({name}) : null;
    if (!row) throw missing(String(name));
    return row;
  }

  private view(row: UpstreamServerRow, headerNames: string[]): UpstreamView {
    return {
      name: row.name,
      transport: row.transport,
      target: targetOf(row),
      headerNames,
      status: row.status,
      lastError: row.lastError,
      toolCount: parseTools(row).length,
      refreshedAt: row.refreshedAt,
      createdAt: row.createdAt,
    };
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
    if (changed) await this.disconnect(row.name);
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

  /** The live connection to a server, made on first use (one at a time: concurrent callers share it). */
  private connection(server: string): Promise<Pooled> {
    let pending = this.pool.get(server);
    if (pending) return pending;
    pending = (async () => {
      const row = await this.find(server);
      const connection = await connectUpstream(await this.target(row), {timeoutMs: this.options.timeoutMs});
      return {connection, tools: new Map(parseTools(row).map((tool) => [tool.name, tool])), status: row.status};
    })();
    const entry = pending;
    this.pool.set(server, entry);
    const forget = () => {
      if (this.pool.get(server) === entry) this.pool.delete(server);
    };
    entry.then((pooled) => pooled.connection.onClose(forget), forget);
    return entry;
  }

  /** Ends the live connection to a server (only `pooled`, when given and still the current one). */
  private async disconnect(server: string, pooled?: Pooled): Promise<void> {
    const entry = this.pool.get(server);
    if (!entry) return;
    const current = await entry.catch(() => undefined);
    if (pooled && current !== pooled) return;
    if (this.pool.get(server) === entry) this.pool.delete(server);
    await current?.connection.close();
  }

  private async readTools(): Promise<UpstreamTool[]> {
    const rows = await this.db.repository(UpstreamServer).find({order: {name: 'ASC'}});
    const tools: UpstreamTool[] = [];
    for (const row of rows) {
      let cached: CachedTool[];
      try {
        cached = parseTools(row);
      } catch (error) {
        this.warnOnce(
          `${row.name}:*`,
          {server: row.name, err: describeFailure(error)},
          'upstream tool cache unreadable',
        );
        continue;
      }
      for (const tool of cached) {
        const name = `${row.name}__${tool.name}`;
        if (typeof tool.name !== 'string' || !TOOL_NAME_PATTERN.test(name)) {
          this.warnOnce(
            name,
            {server: row.name, tool: String(tool.name).slice(0, 100)},
            'upstream tool skipped: its prefixed name does not fit [A-Za-z0-9_-]{1,64}',
          );
          continue;
        }
        tools.push({
          server: row.name,
          name,
          upstreamName: tool.name,
          ...(tool.title ? {title: tool.title} : {}),
          description: tool.description ?? '',
          inputSchema: tool.inputSchema ?? {type: 'object'},
          ...(tool.outputSchema ? {outputSchema: tool.outputSchema} : {}),
          ...(tool.annotations ? {annotations: tool.annotations} : {}),
          available: row.status === 'ok',
        });
      }
    }
    return tools;
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.logger.warn(fields, message);
  }

  private cancelled(tool: string) {
    return unavailable(`The call of ${tool} was cancelled`, {code: 'UPSTREAM_CANCELLED', details: {tool}});
  }
}
