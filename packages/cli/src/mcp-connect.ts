import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {
  Flags,
  invalidInput,
  liveServer,
  packageVersionOf,
  splitCommandLine,
  permissionDenied,
  unavailable,
  type SystemPromptError,
} from '@systemprompt/core';
// Types only: the SDK is imported when a command connects, so the CLI's start-up does not load it.
import type {Client, Transport} from '@modelcontextprotocol/client';

/** The protocol eras `--era` names: 2025 `initialize`, 2026-07-28 `server/discover`, or probe and fall back. */
export const ERAS = ['legacy', 'modern', 'auto'] as const;
export type Era = (typeof ERAS)[number];
const MODERN_VERSION = '2026-07-28';

/** How cli:mcp:* commands name the server: --url (and --token), --stdio, or this installation's server. */
export const mcpTargetFlags = {
  url: Flags.string({
    description:
      "The Streamable HTTP endpoint of an MCP server (default: this installation's running server, at /mcp).",
    exclusive: ['stdio'],
  }),
  token: Flags.string({
    description: 'A bearer token for --url, sent as Authorization: Bearer TOKEN.',
    dependsOn: ['url'],
  }),
  stdio: Flags.string({
    description: 'A command that starts a stdio MCP server, as one string split like a shell does.',
    exclusive: ['url', 'token'],
  }),
  era: Flags.option({
    description: 'The protocol era to speak (default: auto over HTTP, legacy over stdio).',
    options: ERAS,
  })(),
};

/** The target the flags name, in this installation (`dataDirectory`) and environment. */
export function mcpTarget(
  flags: {url?: string | undefined; token?: string | undefined; stdio?: string | undefined; era?: Era | undefined},
  dataDirectory: string,
): McpTarget {
  return {url: flags.url, token: flags.token, stdio: flags.stdio, era: flags.era, dataDirectory, env: process.env};
}

export interface McpTarget {
  url?: string | undefined;
  token?: string | undefined;
  stdio?: string | undefined;
  era?: Era | undefined;
  /** The installation's data directory, where the running server's server.json and server.token are. */
  dataDirectory: string;
  env: NodeJS.ProcessEnv;
}

/** A connected client and what it is connected to. */
export interface McpSession {
  client: Client;
  /** The URL or the command line, for messages. */
  endpoint: string;
  /** The server's last line on standard error (stdio), to explain a failure. */
  stderrTail(): string | undefined;
}

/** The endpoint of this installation's running server, with its credential: SYSTEMPROMPT_API_KEY, else the local server token. */
async function localServer(target: McpTarget): Promise<{url: string; token: string | undefined}> {
  const state = liveServer(target.dataDirectory);
  if (!state)
    throw unavailable('No server of this installation is running', {
      code: 'MCP_SERVER_NOT_RUNNING',
      hint: 'Start it with system:start, or name another server with --url or --stdio.',
    });
  const apiKey = target.env.SYSTEMPROMPT_API_KEY?.trim();
  const token =
    apiKey || (await readFile(join(target.dataDirectory, 'server.token'), 'utf8').catch(() => undefined))?.trim();
  return {url: `${state.url.replace(/\/+$/, '')}/mcp`, token: token || undefined};
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput(`--url ${JSON.stringify(raw.slice(0, 100))} is not a URL`, {
      code: 'MCP_URL_INVALID',
      hint: 'Give the full endpoint, e.g. --url http://127.0.0.1:3000/mcp.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput(`--url must be an http or https URL, not ${url.protocol}`, {
      code: 'MCP_URL_INVALID',
      hint: 'A local program is reached with --stdio instead.',
    });
  return url;
}

/** One line that says why something failed: the message and the system error code along the cause chain. */
export function describeFailure(error: unknown, secret?: string): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const failure = current as {message?: unknown; code?: unknown; cause?: unknown};
    const message = typeof failure.message === 'string' ? failure.message : String(current);
    if (message && !parts.some((part) => part.includes(message))) parts.push(message);
    if (typeof failure.code === 'string' && /^E[A-Z]+$/.test(failure.code) && !message.includes(failure.code))
      parts.push(failure.code);
    current = failure.cause;
  }
  const text = parts.join(': ').replace(/\s+/g, ' ').trim() || 'unknown error';
  return secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

/**
 * Connects with the official MCP client to --url (with --token), --stdio, or this installation's
 * server; runs `work` and disconnects (ending a stdio child). Connection failures are exit 6, a
 * refused credential exit 4, a server that is not running exit 6 with a hint.
 */
export async function withMcpClient<T>(target: McpTarget, work: (session: McpSession) => Promise<T>): Promise<T> {
  const {Client, StreamableHTTPClientTransport} = await import('@modelcontextprotocol/client');
  let transport: Transport;
  let endpoint: string;
  let era: Era;
  let token: string | undefined;
  let stderr = '';
  const local = target.url === undefined && target.stdio === undefined;
  if (target.stdio !== undefined) {
    const [command, ...args] = splitCommandLine(target.stdio);
    if (!command)
      throw invalidInput('The --stdio command is empty', {
        code: 'MCP_STDIO_INVALID',
        hint: 'E.g. --stdio "npx -y @modelcontextprotocol/server-everything".',
      });
    const {StdioClientTransport} = await import('@modelcontextprotocol/client/stdio');
    const stdio = new StdioClientTransport({command, args, stderr: 'pipe'});
    // Kept off our output (stdout is the result); the last lines explain a failure.
    stdio.stderr?.on('data', (chunk: Buffer | string) => {
      stderr = (stderr + String(chunk)).slice(-2000);
    });
    transport = stdio;
    endpoint = target.stdio;
    // A probe would start a second process, and stall on servers that ignore it (the SDK's advice).
    era = target.era ?? 'legacy';
  } else {
    const server = local ? await localServer(target) : {url: checkUrl(target.url!).href, token: target.token};
    token = server.token;
    transport = new StreamableHTTPClientTransport(new URL(server.url), {
      ...(token ? {requestInit: {headers: {Authorization: `Bearer ${token}`}}} : {}),
    });
    endpoint = server.url;
    era = target.era ?? 'auto';
  }
  const client = new Client(
    {name: 'systemprompt-cli', version: packageVersionOf(import.meta.url)},
    {versionNegotiation: {mode: era === 'modern' ? {pin: MODERN_VERSION} : era}},
  );
  client.onerror = () => {};
  const stderrTail = () =>
    stderr
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1)
      ?.slice(0, 200);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw connectFailure(error, endpoint, {local, token, stderr: stderrTail()});
  }
  try {
    return await work({client, endpoint, stderrTail});
  } catch (error) {
    throw await requestFailure(error, endpoint, token);
  } finally {
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

function connectFailure(
  error: unknown,
  endpoint: string,
  context: {local: boolean; token: string | undefined; stderr: string | undefined},
): SystemPromptError {
  const status = (error as {status?: unknown}).status;
  const reason = describeFailure(error, context.token);
  if (status === 401 || status === 403)
    return permissionDenied(`${endpoint} refused the credentials (HTTP ${status})`, {
      code: 'MCP_UNAUTHORIZED',
      hint: context.local
        ? 'Sign in (auth:login) or set SYSTEMPROMPT_API_KEY to a key with the permissions of the tools you use.'
        : 'Give a valid bearer token with --token.',
    });
  return unavailable(
    `Cannot connect to ${endpoint}: ${reason}${context.stderr ? ` (stderr: ${context.stderr})` : ''}`,
    {
      code: 'MCP_UNREACHABLE',
      hint: context.local
        ? 'Check the server with system:status.'
        : 'Check the URL or the command; --era legacy or --era auto may help with servers of another protocol era.',
    },
  );
}

async function requestFailure(error: unknown, endpoint: string, token: string | undefined): Promise<unknown> {
  // Errors of our own (a bad --args, an isError result) pass through.
  if (typeof (error as {exitCode?: unknown}).exitCode === 'number') return error;
  const {ProtocolError, SdkError, SdkErrorCode} = await import('@modelcontextprotocol/client');
  const reason = describeFailure(error, token);
  if (ProtocolError.isInstance(error))
    return invalidInput(`${endpoint} refused the request: ${reason}`, {
      code: 'MCP_REQUEST_REJECTED',
      hint: 'See the tools and their input schemas with cli:mcp:list --json.',
    });
  if (SdkError.isInstance(error) && error.code === SdkErrorCode.RequestTimeout)
    return unavailable(`${endpoint} did not answer in time: ${reason}`, {code: 'MCP_TIMEOUT'});
  return unavailable(`The connection to ${endpoint} failed: ${reason}`, {code: 'MCP_UNREACHABLE'});
}
