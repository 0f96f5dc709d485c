import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {SecretBox} from '@systemprompt/core/config';
import {DATABASE, type ModuleDatabase} from '@systemprompt/database';
import {API} from '@systemprompt/api';
import {MCP_ENTITIES} from './entities.js';
import type {McpConfig} from './generated/config.js';
import {ToolCatalogue} from './services/catalogue.js';
import {ToolCaller} from './services/tool-calls.js';
import {PromptService} from './services/prompts.js';
import {ResourceService} from './services/resources.js';
import {UpstreamService} from './services/upstreams.js';
import {mountMcpEndpoint, type McpEndpointHandle} from './server/http-endpoint.js';
import {toolCallMetrics} from './services/call-metrics.js';

export type {McpConfig} from './generated/config.js';
export {ToolCatalogue, type CatalogueTool, type ToolSource} from './services/catalogue.js';
export {ToolCaller, type ToolCallOutcome} from './services/tool-calls.js';
export {PromptService} from './services/prompts.js';
export {ResourceService} from './services/resources.js';
export {UpstreamService} from './services/upstreams.js';

/** What the mcp module publishes (to its commands, the server and, later, agents). */
export interface McpApi {
  config: McpConfig;
  db: ModuleDatabase;
  catalogue: ToolCatalogue;
  calls: ToolCaller;
  prompts: PromptService;
  resources: ResourceService;
  upstreams: UpstreamService;
  version: string;
  /**
   * Where clients get tokens for /mcp, set by the module that serves an OAuth authorization server:
   * /mcp's protected-resource metadata (RFC 9728) then names it and the scopes a client may ask for.
   */
  authorization?: ProtectedResourceAuthorization;
}

export interface ProtectedResourceAuthorization {
  /** The authorization servers' issuer URLs, for /mcp served at `base`. */
  servers(base: string): string[];
  /** The scopes (permission names) clients may request. */
  scopes(): string[];
}

export class McpModule extends BaseModule<McpConfig> {
  readonly name = 'mcp';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private api: McpApi | undefined;
  private endpoint: McpEndpointHandle | undefined;

  override async initialize(context: ModuleContext<McpConfig>): Promise<void> {
    await super.initialize(context);
    const db = await context.services.get(DATABASE).forModule(context, MCP_ENTITIES);
    const access = await context.access();
    const upstreams = new UpstreamService(db, access, context.events, new SecretBox(context.systemPaths.config), {
      timeoutMs: context.config.upstreamTimeoutMs,
      logger: context.logger,
    });
    const catalogue = new ToolCatalogue(db, access, context.tools, upstreams, context.events);
    const apiModule = context.services.get(API);
    const calls = new ToolCaller(
      catalogue,
      upstreams,
      access,
      apiModule,
      toolCallMetrics(context.metrics),
      context.logger,
    );
    this.api = {
      config: context.config,
      db,
      catalogue,
      calls,
      prompts: new PromptService(db, access, context.events),
      resources: new ResourceService(db, access, context.events, context.paths.data),
      upstreams,
      version: this.version,
    };
    context.provide(this.api);
    this.endpoint = mountMcpEndpoint(context.http, this.api, context.events, context.logger);
  }

  /** Only the server starts modules: /mcp is ready before the first request. */
  override async start(): Promise<void> {
    await this.endpoint?.warm();
  }

  override async stop(): Promise<void> {
    await this.endpoint?.close();
    await this.api?.calls.settle();
    await this.api?.upstreams.close();
  }
}

export default (): McpModule => new McpModule();
export {MCP} from './token.js';
export {MCP_PATH, mcpBase, mcpHostNames} from './server/http-endpoint.js';
