import {TOOL_NAME_PATTERN, unavailable, type Logger} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {UpstreamServer, type UpstreamServerRow} from '../entities.js';
import {
  callFailure,
  callUpstreamTool,
  connectUpstream,
  describeFailure,
  type CachedTool,
  type UpstreamCallResult,
  type UpstreamConnection,
  type UpstreamTarget,
} from './upstream-client.js';
import {parseTools, upstreamTool, type UpstreamTool} from './upstream-views.js';

/** Other processes (CLI commands, other servers on the same database) change servers: re-read this often at most. */
const CACHE_TTL_MS = 2000;

/**
 * The tools of every upstream server as the registry last listed them, re-read at most every
 * CACHE_TTL_MS (and at once after `invalidate`).
 */
export class UpstreamToolCache {
  private cache: {at: number; tools: Promise<UpstreamTool[]>} | undefined;
  /** Tool names already warned about (once per process, not on every re-read). */
  private readonly warned = new Set<string>();

  constructor(
    private readonly db: ModuleDatabase,
    private readonly logger: Logger,
  ) {}

  /** Names that do not fit [A-Za-z0-9_-]{1,64} once prefixed are left out (logged). */
  async tools(): Promise<UpstreamTool[]> {
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

  invalidate(): void {
    this.cache = undefined;
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
        tools.push(upstreamTool(row, tool, name));
      }
    }
    return tools;
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(fields, message);
  }
}

export interface Pooled {
  connection: UpstreamConnection;
  /** Its tools as last listed, for the SDK's output validation (and SEP-2243 header mirroring). */
  tools: Map<string, CachedTool>;
  /** The server's status when the connection was made. */
  status: string;
}

/** What the pool needs of the registry, which UpstreamService keeps. */
export interface UpstreamRegistry {
  /** A server's row and where to reach it (headers decrypted); UPSTREAM_NOT_FOUND when there is none. */
  describe(server: string): Promise<{row: UpstreamServerRow; target: UpstreamTarget}>;
  /** The header values of a server, to keep them out of messages. */
  headerValues(server: string): Promise<string[]>;
  markUnreachable(server: string, reason: string): Promise<void>;
  markReachable(server: string): Promise<void>;
}

const cancelled = (tool: string) =>
  unavailable(`The call of ${tool} was cancelled`, {code: 'UPSTREAM_CANCELLED', details: {tool}});

/**
 * One live client per upstream server, in this process, for tool calls: made on first use, shared
 * by concurrent callers, made again once when it breaks.
 */
export class UpstreamPool {
  private readonly pool = new Map<string, Promise<Pooled>>();

  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly options: {timeoutMs: number; logger: Logger},
  ) {}

  /**
   * Calls a tool of a server through its live connection (made on first use). A broken connection
   * is made again once; when that fails the server is marked unreachable and the call fails with
   * UPSTREAM_UNREACHABLE.
   */
  async call(
    server: string,
    upstreamName: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<UpstreamCallResult> {
    const tool = `${server}__${upstreamName}`;
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) throw cancelled(tool);
      let pooled: Pooled;
      try {
        pooled = await this.connection(server);
      } catch (error) {
        if ((error as {code?: unknown}).code === 'UPSTREAM_UNREACHABLE')
          await this.registry.markUnreachable(server, (error as {details?: {reason?: string}}).details?.reason ?? '');
        throw error;
      }
      try {
        const result = await callUpstreamTool(pooled.connection, upstreamName, args, {
          signal,
          timeoutMs: this.options.timeoutMs,
          definition: pooled.tools.get(upstreamName),
        });
        if (pooled.status !== 'ok') {
          pooled.status = 'ok';
          await this.registry.markReachable(server);
        }
        return result;
      } catch (error) {
        if (signal.aborted) throw cancelled(tool);
        const reason = describeFailure(error, await this.registry.headerValues(server));
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
        await this.registry.markUnreachable(server, reason);
        throw unavailable(`Cannot reach upstream MCP server ${server}: ${reason}`, {
          code: 'UPSTREAM_UNREACHABLE',
          details: {server, reason},
          hint: `Check it with mcp:servers:test ${server}.`,
        });
      }
    }
  }

  /** Ends the live connection to a server (only `pooled`, when given and still the current one). */
  async disconnect(server: string, pooled?: Pooled): Promise<void> {
    const entry = this.pool.get(server);
    if (!entry) return;
    const current = await entry.catch(() => undefined);
    if (pooled && current !== pooled) return;
    if (this.pool.get(server) === entry) this.pool.delete(server);
    await current?.connection.close();
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

  /** The live connection to a server, made on first use (one at a time: concurrent callers share it). */
  private connection(server: string): Promise<Pooled> {
    let pending = this.pool.get(server);
    if (pending) return pending;
    pending = (async () => {
      const {row, target} = await this.registry.describe(server);
      const connection = await connectUpstream(target, {timeoutMs: this.options.timeoutMs});
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
}
