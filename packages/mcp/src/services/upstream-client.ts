import {
  invalidInput,
  tracedFetch,
  packageVersionOf,
  unavailable,
  type JsonSchema,
  type SystemPromptError,
  type ToolAnnotations,
} from '@systemprompt/core';
// Types only: the SDK itself is imported when a connection is made, so a CLI start-up never loads it.
import type {Client, Tool, Transport} from '@modelcontextprotocol/client';

export {UPSTREAM_NAME, checkUpstreamInput, formatCommand, type UpstreamInput} from './upstream-views.js';

/** Where an upstream MCP server is and how to reach it (headers decrypted). */
export interface UpstreamTarget {
  name: string;
  transport: 'http' | 'stdio';
  url?: string;
  headers?: Record<string, string>;
  command?: string[];
}

/** What the gateway keeps of an upstream tool (the `tools` column holds a JSON array of these). */
export interface CachedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations & {title?: string; openWorldHint?: boolean};
}

/** One open connection to an upstream server. */
export interface UpstreamConnection {
  client: Client;
  /** `legacy` (2025 `initialize`) or `modern` (2026-07-28 `server/discover`). */
  era: string | undefined;
  protocolVersion: string | undefined;
  /** True once the connection ended (the child exited, the server went away, or `close()`). */
  readonly closed: boolean;
  /** Called once when the connection ends, whoever ended it. */
  onClose(listener: () => void): void;
  close(): Promise<void>;
}

export interface ConnectOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Characters of a child's standard error kept to explain a failed start. */
const STDERR_TAIL = 2000;
/** Characters of an error kept in `last_error` and messages. */
const MAX_ERROR = 500;

let clientVersion: string | undefined;
const identity = () => ({name: 'systemprompt-os', version: (clientVersion ??= packageVersionOf(import.meta.url))});

/** Header values (credentials) never appear in a message, whatever the upstream or the SDK echo back. */
export function redactValues(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result;
}

/**
 * One line that says why a connection or request failed: the message, the HTTP status, and the
 * system error code found along the cause chain (ECONNREFUSED, ENOENT, ...).
 */
export function describeFailure(error: unknown, secrets: readonly string[] = []): string {
  const parts: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current && !seen.has(current) && parts.length < 4) {
    seen.add(current);
    const failure = current as {message?: unknown; code?: unknown; status?: unknown; cause?: unknown};
    const message = typeof failure.message === 'string' ? failure.message : String(current);
    if (message && !parts.some((part) => part.includes(message))) parts.push(message);
    if (typeof failure.code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(failure.code) && !message.includes(failure.code))
      parts.push(failure.code);
    current = failure.cause;
  }
  const text = redactValues(parts.join(': ').replace(/\s+/g, ' ').trim() || 'unknown error', secrets);
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text;
}

/** The tool as the gateway caches it: only the fields it serves (no `_meta`, icons or execution hints). */
export function toCachedTool(tool: Tool): CachedTool {
  return {
    name: tool.name,
    ...(tool.title ? {title: tool.title} : {}),
    ...(tool.description !== undefined ? {description: tool.description} : {}),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema ? {outputSchema: tool.outputSchema} : {}),
    ...(tool.annotations ? {annotations: tool.annotations} : {}),
  };
}

/**
 * Connects to an upstream server with the official MCP client. HTTP: Streamable HTTP with the stored
 * headers on every request, negotiating the era (`auto`: a 2026-07-28 server is spoken to as such,
 * an older one through `initialize`). stdio: the command as a child process with the SDK's safe
 * default environment, in the 2025 era (the SDK's advice for spawned servers: a probe would start a
 * second process and may stall on servers that ignore it); its standard error is kept off our
 * output and its last lines explain a failed start. Throws UPSTREAM_UNREACHABLE.
 */
export async function connectUpstream(target: UpstreamTarget, options: ConnectOptions): Promise<UpstreamConnection> {
  const {Client, StreamableHTTPClientTransport} = await import('@modelcontextprotocol/client');
  const secrets = Object.values(target.headers ?? {});
  let stderrTail = '';
  let transport: Transport;
  let client: Client;
  if (target.transport === 'http') {
    transport = new StreamableHTTPClientTransport(new URL(target.url!), {
      requestInit: {headers: {...target.headers}},
      fetch: tracedFetch,
    });
    client = new Client(identity(), {versionNegotiation: {mode: 'auto'}});
  } else {
    const {StdioClientTransport} = await import('@modelcontextprotocol/client/stdio');
    const [command, ...args] = target.command!;
    const stdio = new StdioClientTransport({command: command!, args, stderr: 'pipe'});
    // Read (and so drained) from the start: a child blocked on a full stderr pipe would hang.
    stdio.stderr?.on('data', (chunk: Buffer | string) => {
      stderrTail = (stderrTail + String(chunk)).slice(-STDERR_TAIL);
    });
    transport = stdio;
    client = new Client(identity());
  }

  let closed = false;
  const listeners: Array<() => void> = [];
  client.onclose = () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners.splice(0)) listener();
  };
  // Errors of a live connection surface on the request that meets them; nothing to do here.
  client.onerror = () => {};

  try {
    await client.connect(transport, {timeout: options.timeoutMs, ...(options.signal ? {signal: options.signal} : {})});
  } catch (error) {
    await client.close().catch(() => {});
    const lastLine = stderrTail
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1);
    const reason =
      describeFailure(error, secrets) + (lastLine ? ` (stderr: ${redactValues(lastLine, secrets).slice(0, 200)})` : '');
    throw unavailable(`Cannot reach upstream MCP server ${target.name}: ${reason}`, {
      code: 'UPSTREAM_UNREACHABLE',
      details: {server: target.name, reason},
      hint:
        target.transport === 'http'
          ? 'Check the URL and the headers (credentials), then run mcp:servers:test NAME.'
          : 'Check that the command starts an MCP server on stdio (run it yourself), then run mcp:servers:test NAME.',
    });
  }

  return {
    client,
    era: client.getProtocolEra(),
    protocolVersion: client.getNegotiatedProtocolVersion(),
    get closed() {
      return closed;
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    async close() {
      if (closed) return;
      if (transport instanceof StreamableHTTPClientTransport)
        await transport.terminateSession().catch(() => {
          // A server that forgot the session (or never had one) has nothing to end.
        });
      await client.close().catch(() => {});
      client.onclose?.();
    },
  };
}

/** A tool result as MCP carries it. */
export interface UpstreamCallResult {
  content: Array<Record<string, unknown>>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/**
 * Calls a tool over a live connection; `definition` (the tool as last listed) serves the SDK's
 * output validation (and SEP-2243 header mirroring). Throws what the SDK throws (see callFailure).
 */
export async function callUpstreamTool(
  connection: UpstreamConnection,
  name: string,
  args: Record<string, unknown>,
  options: {signal: AbortSignal; timeoutMs: number; definition: CachedTool | undefined},
): Promise<UpstreamCallResult> {
  const {definition} = options;
  const result = await connection.client.callTool(
    {name, arguments: args},
    {
      signal: options.signal,
      timeout: options.timeoutMs,
      ...(definition ? {toolDefinition: definition as unknown as Tool} : {}),
    },
  );
  return {
    content: result.content ?? [],
    ...(result.structuredContent !== undefined
      ? {structuredContent: result.structuredContent as Record<string, unknown>}
      : {}),
    ...(result.isError ? {isError: true} : {}),
  };
}

/** What one look at an upstream server found: its tools, or why it could not be reached. */
export type ScanOutcome =
  | {ok: true; tools: CachedTool[]; era: string | undefined; protocolVersion: string | undefined; latencyMs: number}
  | {ok: false; error: string; latencyMs: number};

/** Connects, lists every tool (the SDK walks the pages) and disconnects; never throws. */
export async function scanUpstream(target: UpstreamTarget, options: ConnectOptions): Promise<ScanOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let connection: UpstreamConnection | undefined;
  try {
    connection = await connectUpstream(target, options);
    const {tools} = await connection.client.listTools(undefined, {timeout: options.timeoutMs});
    return {
      ok: true,
      tools: tools.map(toCachedTool),
      era: connection.era,
      protocolVersion: connection.protocolVersion,
      latencyMs: elapsed(),
    };
  } catch (error) {
    // A failed connect already says why (with the child's last stderr line); anything later is described here.
    const reason = (error as {details?: {reason?: unknown}}).details?.reason;
    const message = typeof reason === 'string' ? reason : describeFailure(error, Object.values(target.headers ?? {}));
    return {ok: false, error: message, latencyMs: elapsed()};
  } finally {
    await connection?.close();
  }
}

/** JSON-RPC "invalid params": the upstream refused the arguments (or does not know the tool). */
const INVALID_PARAMS = -32602;
/**
 * SDK error codes of a connection that no longer carries requests (HTTP failures count too: a
 * server that restarted forgets its sessions). Any other SDK error is about the answer itself.
 */
const BROKEN = new Set<string>(['CONNECTION_CLOSED', 'NOT_CONNECTED', 'SEND_FAILED', 'NOT_INITIALIZED']);

/**
 * The error a failed tool call leaves with, or undefined when the connection broke (the child
 * exited, the server restarted or forgot the session): then the caller connects again.
 */
export async function callFailure(
  error: unknown,
  context: {server: string; tool: string; reason: string; timeoutMs: number},
): Promise<SystemPromptError | undefined> {
  const {server, tool, reason} = context;
  const {ProtocolError, SdkError, SdkErrorCode} = await import('@modelcontextprotocol/client');
  if (ProtocolError.isInstance(error)) {
    if (error.code === INVALID_PARAMS)
      return invalidInput(`${server} refused the call of ${tool}: ${reason}`, {
        code: 'UPSTREAM_ARGUMENTS_INVALID',
        details: {server, tool},
        hint: `See its input schema with tools:info ${server}__${tool}; tools:refresh reads its tools again.`,
      });
    return unavailable(`${server} answered the call of ${tool} with an error: ${reason}`, {
      code: 'UPSTREAM_CALL_FAILED',
      details: {server, tool, rpcCode: error.code},
    });
  }
  if (SdkError.isInstance(error) && error.code === SdkErrorCode.RequestTimeout)
    return unavailable(`${server} did not answer the call of ${tool} within ${context.timeoutMs} ms`, {
      code: 'UPSTREAM_TIMEOUT',
      details: {server, tool},
      hint: 'Raise mcp.upstreamTimeoutMs (config:set) if the tool is slow, or check the server with mcp:servers:test.',
    });
  if (SdkError.isInstance(error) && !('status' in error) && !BROKEN.has(error.code))
    return unavailable(`${server} gave an unusable answer to the call of ${tool}: ${reason}`, {
      code: 'UPSTREAM_CALL_FAILED',
      details: {server, tool},
    });
  return undefined;
}
