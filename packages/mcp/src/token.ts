import {serviceToken} from '@systemprompt/core';
import type {McpApi} from './index.js';

/** The mcp module's service, typed: `this.service(MCP)` in a command. */
export const MCP = serviceToken<McpApi>('mcp');
