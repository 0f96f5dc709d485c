import type {OclifCommand} from '@systemprompt/core';
import {SystemPromptCommand} from '@systemprompt/core';
import type {McpApi} from './index.js';
import {MCP} from './token.js';

/** Base of the mcp, prompts, resources and tools commands: the mcp module's services. */
export abstract class McpCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected mcp(): Promise<McpApi> {
    return this.service(MCP);
  }

  /**
   * The mcp service with every enabled module booted, so the catalogue holds all their tools (what
   * the server serves); commands about prompts, resources or upstream servers need only mcp().
   */
  protected async mcpWithAllTools(): Promise<McpApi> {
    return (await this.kernelWithEnabledModules()).service(MCP);
  }
}
