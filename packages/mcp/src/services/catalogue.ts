import {
  notFound,
  type AccessProvider,
  type Actor,
  type EventBus,
  type JsonSchema,
  type ModuleTools,
  type RegisteredTool,
  type ToolAnnotations,
} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {ToolSetting} from '../entities.js';
import {visibleItems} from './content-checks.js';
import type {UpstreamService, UpstreamTool} from './upstreams.js';

/** One tool as MCP clients and the tools:* commands see it, from a module or an upstream server. */
export interface CatalogueTool {
  name: string;
  title?: string;
  description: string;
  /** What a caller must hold to see it (and, for upstream tools, to call it): `authenticated` for anyone signed in. */
  permission: string;
  /** `module` (a module's tool) or `upstream` (NAME__tool of an upstream server). */
  source: 'module' | 'upstream';
  /** The module, or the upstream server. */
  provider: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  /** Switched on (tools:enable) or off (tools:disable). */
  enabled: boolean;
  /** False while its upstream server cannot be reached. */
  available: boolean;
  /** The module tool itself (absent for upstream tools). */
  moduleTool?: RegisteredTool;
  /** The upstream server's own name for it. */
  upstreamName?: string;
}

/** Tools that exist at run time, from a module's own records (an agent's tool): the current list. */
export type ToolSource = () => Promise<readonly RegisteredTool[]>;

/** The tool settings are re-read at most this often (other processes change them). */
const SETTINGS_TTL_MS = 2000;

/** The permission guarding an upstream tool: `mcp:<server>__<tool>`, granted one by one or as `mcp:<server>__*`. */
export const upstreamPermission = (name: string): string => `mcp:${name}`;

/**
 * Every tool the OS serves: the modules' (registered at boot) and the upstream servers' (their last
 * listing), each with its enabled state. What a caller sees is filtered by the permission each names.
 */
export class ToolCatalogue {
  private settings: {at: number; disabled: Set<string>} | undefined;
  private readonly sources: ToolSource[] = [];
  private built:
    | {
        disabled: ReadonlySet<string>;
        upstream: readonly UpstreamTool[];
        modules: number;
        extra: ReadonlyArray<readonly RegisteredTool[]>;
        tools: CatalogueTool[];
        byName: Map<string, CatalogueTool>;
      }
    | undefined;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly moduleTools: ModuleTools,
    private readonly upstreams: UpstreamService,
    private readonly events: EventBus,
  ) {
    // Another process (tools:disable in a CLI) changed them: read them again on the next call.
    events.on('mcp.tools.changed', () => {
      this.settings = undefined;
    });
  }

  /**
   * Adds tools that come and go at run time (an agent's agents_run_NAME), served like module tools.
   * The source answers with the same array while nothing changed, so the catalogue is not rebuilt.
   */
  addSource(source: ToolSource): void {
    this.sources.push(source);
    this.built = undefined;
  }

  /** Every tool, sorted by name (no permission needed: callers filter; commands check tools:read). */
  async all(): Promise<CatalogueTool[]> {
    return (await this.snapshot()).tools;
  }

  /**
   * The catalogue, built again only when one of its sources changed (the settings, the upstream
   * listing, the modules' tools): every tools/call looks its tool up here.
   */
  private async snapshot(): Promise<{tools: CatalogueTool[]; byName: Map<string, CatalogueTool>}> {
    const disabled = await this.disabled();
    const upstream = await this.upstreams.cachedTools();
    const modules = this.moduleTools.list();
    const extra = await Promise.all(this.sources.map((source) => source()));
    const built = this.built;
    if (
      built &&
      built.disabled === disabled &&
      built.upstream === upstream &&
      built.modules === modules.length &&
      built.extra.length === extra.length &&
      built.extra.every((tools, index) => tools === extra[index])
    )
      return built;
    const tools: CatalogueTool[] = [...modules, ...extra.flat()].map((tool) => ({
      name: tool.name,
      ...(tool.title ? {title: tool.title} : {}),
      description: tool.description,
      permission: tool.permission,
      source: 'module' as const,
      provider: tool.module,
      inputSchema: tool.inputSchema,
      ...(tool.outputSchema ? {outputSchema: tool.outputSchema} : {}),
      ...(tool.annotations ? {annotations: tool.annotations} : {}),
      enabled: !disabled.has(tool.name),
      available: true,
      moduleTool: tool,
    }));
    for (const tool of upstream) tools.push(this.fromUpstream(tool, disabled));
    tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.built = {
      disabled,
      upstream,
      modules: modules.length,
      extra,
      tools,
      byName: new Map(tools.map((tool) => [tool.name, tool])),
    };
    return this.built;
  }

  /** mcp:capabilities and the other overviews of what the OS serves (mcp:read). */
  async checkRead(actor: Actor): Promise<void> {
    await this.access.authorize(actor, 'mcp:read', 'mcp.capabilities');
  }

  /** Every tool with its state, for tools:list (tools:read). */
  async list(actor: Actor): Promise<CatalogueTool[]> {
    await this.access.authorize(actor, 'tools:read', 'tools.list');
    return this.all();
  }

  /** One tool with its schemas, for tools:info (tools:read). */
  async describe(actor: Actor, name: string): Promise<CatalogueTool> {
    await this.access.authorize(actor, 'tools:read', 'tools.info', name);
    return this.find(name);
  }

  /** The tool of that name; notFound when there is none (or, with `enabledOnly`, when it is disabled). */
  async find(name: string, options: {enabledOnly?: boolean} = {}): Promise<CatalogueTool> {
    const tool = (await this.snapshot()).byName.get(name);
    if (!tool || (options.enabledOnly && !tool.enabled))
      throw notFound(`No tool named ${JSON.stringify(name)}`, {
        code: 'TOOL_NOT_FOUND',
        hint: 'See tools:list (every tool) or mcp:tools:list (the tools you may call).',
      });
    return tool;
  }

  /** What `tools/list` shows the caller: enabled, available tools whose permission the caller holds. */
  async visibleTo(actor: Actor): Promise<CatalogueTool[]> {
    const tools = (await this.all()).filter((tool) => tool.enabled && tool.available);
    return visibleItems(tools, (permission) => this.mayUse(actor, permission));
  }

  /** Whether the actor holds the permission a tool names (`authenticated`: anyone signed in). */
  async mayUse(actor: Actor, permission: string): Promise<boolean> {
    if (permission === 'authenticated') return actor.kind !== 'anonymous';
    return this.access.holds(actor, permission);
  }

  /** Switches a tool on or off for every client (tools:write); returns whether it changed. */
  async setEnabled(
    actor: Actor,
    name: string,
    enabled: boolean,
  ): Promise<{name: string; enabled: boolean; changed: boolean}> {
    await this.access.authorize(actor, 'tools:write', enabled ? 'tools.enable' : 'tools.disable', name);
    const tool = await this.find(name);
    const changed = tool.enabled !== enabled;
    if (changed) {
      await this.db.transaction(async (manager) => {
        const repository = manager.getRepository(ToolSetting);
        if (enabled) await repository.delete({name});
        else await repository.save({name, enabled: false, updatedAt: new Date().toISOString(), updatedBy: actor.label});
        await this.access.record(actor, {
          action: enabled ? 'tools.enable' : 'tools.disable',
          target: name,
          result: 'ok',
          permission: 'tools:write',
        });
      });
      this.settings = undefined;
      await this.events.emit('mcp.tools.changed', {tool: name, enabled}, {actor, subject: name});
    }
    return {name, enabled, changed};
  }

  private fromUpstream(tool: UpstreamTool, disabled: ReadonlySet<string>): CatalogueTool {
    return {
      name: tool.name,
      ...(tool.title ? {title: tool.title} : {}),
      description: tool.description ?? '',
      permission: upstreamPermission(tool.name),
      source: 'upstream',
      provider: tool.server,
      inputSchema: tool.inputSchema,
      ...(tool.outputSchema ? {outputSchema: tool.outputSchema} : {}),
      ...(tool.annotations ? {annotations: tool.annotations} : {}),
      enabled: !disabled.has(tool.name),
      available: tool.available,
      upstreamName: tool.upstreamName,
    };
  }

  private async disabled(): Promise<Set<string>> {
    const now = Date.now();
    if (!this.settings || this.settings.at + SETTINGS_TTL_MS <= now) {
      const rows = await this.db.repository(ToolSetting).find();
      this.settings = {at: now, disabled: new Set(rows.filter((row) => !row.enabled).map((row) => row.name))};
    }
    return this.settings.disabled;
  }
}
