import type {Actor} from '@systemprompt/core';
import type {McpApi} from '../index.js';
import {buildProtocolServer} from './protocol.js';

/**
 * Serves the registry over this process's stdin/stdout for desktop clients, as `actor` (the user of
 * SYSTEMPROMPT_API_KEY, or the local operator). Resolves when the client closes stdin.
 */
export async function serveOverStdio(mcp: McpApi, actor: Actor, signal: AbortSignal): Promise<void> {
  const sdk = await import('@modelcontextprotocol/server');
  const {serveStdio} = await import('@modelcontextprotocol/server/stdio');
  const handle = serveStdio(() => buildProtocolServer(sdk, mcp, actor), {
    onerror: (error) => process.stderr.write(`MCP stdio: ${error.message}\n`),
  });
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    signal.addEventListener('abort', () => resolve(), {once: true});
  });
  await handle.close();
}
