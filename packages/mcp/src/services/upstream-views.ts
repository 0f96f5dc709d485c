import {conflict, invalidInput, notFound, type JsonSchema, type ToolAnnotations} from '@systemprompt/core';
import type {UpstreamServerRow} from '../entities.js';
import type {CachedTool, UpstreamTarget} from './upstream-client.js';

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

export const exists = (name: string) =>
  conflict(`An upstream MCP server named ${name} already exists`, {
    code: 'UPSTREAM_EXISTS',
    hint: 'Choose another name, or remove it first (mcp:servers:remove NAME).',
  });

export const missing = (name: string) =>
  notFound(`No upstream MCP server named ${JSON.stringify(name.slice(0, 40))}`, {
    code: 'UPSTREAM_NOT_FOUND',
    hint: 'See mcp:servers:list.',
  });

export const parseTools = (row: Pick<UpstreamServerRow, 'tools'>): CachedTool[] => {
  const tools = JSON.parse(row.tools || '[]') as unknown;
  return Array.isArray(tools) ? (tools as CachedTool[]) : [];
};

export const targetOf = (row: UpstreamServerRow): string =>
  row.transport === 'http' ? (row.url ?? '') : formatCommand(JSON.parse(row.command ?? '[]') as string[]);

/** An upstream server as mcp:servers:list shows it (`headerNames` read from its decrypted headers). */
export function upstreamView(row: UpstreamServerRow, headerNames: string[]): UpstreamView {
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

/** One cached tool of a server as the catalogue serves it, under its prefixed `name`. */
export const upstreamTool = (row: UpstreamServerRow, tool: CachedTool, name: string): UpstreamTool => ({
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

// ---- what an upstream is: checked once, when it is added ---------------------------------------

/** Names of upstream servers: lower-case, digits and hyphens, so `NAME__tool` is never ambiguous. */
export const UPSTREAM_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// eslint-disable-next-line no-control-regex -- header values must not hold control characters (tab aside)
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]{0,8192}$/;
/** Headers the transport sets itself: one given here would break the protocol. */
const TRANSPORT_HEADERS = new Set([
  'accept',
  'connection',
  'content-length',
  'content-type',
  'host',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'transfer-encoding',
]);
const MAX_HEADERS = 20;
const MAX_URL = 2000;
const MAX_ARGUMENTS = 64;
const MAX_COMMAND = 8000;

export interface UpstreamInput {
  name: string;
  /** An http(s) URL of a Streamable HTTP endpoint. */
  url?: string;
  /** Sent with every HTTP request (credentials); stored encrypted. */
  headers?: Record<string, string>;
  /** A stdio server: the program and its arguments. */
  command?: string[];
}

/** The input checked: exactly one of url and command, well-formed headers (HTTP only). */
export function checkUpstreamInput(input: UpstreamInput): UpstreamTarget {
  const name = typeof input?.name === 'string' ? input.name.trim() : '';
  if (!UPSTREAM_NAME.test(name))
    throw invalidInput(`${JSON.stringify(name.slice(0, 40))} is not a valid upstream server name`, {
      code: 'UPSTREAM_NAME_INVALID',
      hint: 'A lower-case letter, then up to 30 lower-case letters, digits or hyphens (its tools become NAME__tool).',
    });
  const hasUrl = input.url !== undefined && input.url !== '';
  const hasCommand = input.command !== undefined && input.command.length > 0;
  if (hasUrl === hasCommand)
    throw invalidInput(hasUrl ? 'Give a URL or a command, not both' : 'Give the URL or the command of the server', {
      code: 'UPSTREAM_TARGET_REQUIRED',
      hint: 'HTTP: --url https://host/mcp [--header K=V]...; stdio: --stdio "program args...".',
    });
  if (hasUrl) return {name, transport: 'http', url: checkUrl(input.url!), headers: checkHeaders(input.headers ?? {})};
  if (input.headers && Object.keys(input.headers).length > 0)
    throw invalidInput('Headers are for HTTP servers; a stdio server takes none', {
      code: 'UPSTREAM_HEADER_INVALID',
      hint: 'Leave out --header, or give the server by --url.',
    });
  return {name, transport: 'stdio', command: checkCommand(input.command!)};
}

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalidInput(`${JSON.stringify(raw.slice(0, 100))} is not a URL`, {
      code: 'UPSTREAM_URL_INVALID',
      hint: 'Give the full address of the MCP endpoint, e.g. https://example.com/mcp.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput(`${url.protocol} URLs are not MCP endpoints: give an http or https URL`, {
      code: 'UPSTREAM_URL_INVALID',
      hint: 'A local program is added with --stdio instead.',
    });
  // The URL is shown by mcp:servers:list; credentials belong in the encrypted headers.
  if (url.username || url.password)
    throw invalidInput('The URL holds a user name or password, which would be stored and shown in clear', {
      code: 'UPSTREAM_URL_INVALID',
      hint: 'Give the credentials as a header instead, e.g. --header "Authorization=Bearer TOKEN".',
    });
  if (url.href.length > MAX_URL)
    throw invalidInput(`The URL is longer than ${MAX_URL} characters`, {code: 'UPSTREAM_URL_INVALID'});
  return url.href;
}

function checkHeaders(headers: Record<string, string>): Record<string, string> | undefined {
  const entries = Object.entries(headers);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_HEADERS)
    throw invalidInput(`At most ${MAX_HEADERS} headers`, {code: 'UPSTREAM_HEADER_INVALID'});
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name))
      throw invalidInput(`${JSON.stringify(name.slice(0, 100))} is not an HTTP header name`, {
        code: 'UPSTREAM_HEADER_INVALID',
        hint: 'Give headers as NAME=VALUE, e.g. --header "Authorization=Bearer TOKEN".',
      });
    if (TRANSPORT_HEADERS.has(lower))
      throw invalidInput(`The ${name} header is set by the MCP transport itself`, {code: 'UPSTREAM_HEADER_INVALID'});
    if (seen.has(lower)) throw invalidInput(`The ${name} header is given twice`, {code: 'UPSTREAM_HEADER_INVALID'});
    seen.add(lower);
    // The value is never echoed: it is a credential.
    if (typeof value !== 'string' || !HEADER_VALUE.test(value))
      throw invalidInput(`The value of the ${name} header has control characters or is too long`, {
        code: 'UPSTREAM_HEADER_INVALID',
      });
  }
  return Object.fromEntries(entries);
}

function checkCommand(command: string[]): string[] {
  if (
    command.length > MAX_ARGUMENTS ||
    command.some((part) => typeof part !== 'string' || part.includes('\u0000')) ||
    command.join(' ').length > MAX_COMMAND
  )
    throw invalidInput(`The command is not a list of at most ${MAX_ARGUMENTS} plain arguments`, {
      code: 'UPSTREAM_COMMAND_INVALID',
    });
  if (!command[0]?.trim())
    throw invalidInput('The command has no program to run', {
      code: 'UPSTREAM_COMMAND_INVALID',
      hint: 'E.g. --stdio "npx -y @modelcontextprotocol/server-everything".',
    });
  return command;
}

/** A command as one line, arguments with spaces or quotes single-quoted (as a shell, and mcp:servers:add, reads them). */
export function formatCommand(command: readonly string[]): string {
  return command
    .map((part) => (part !== '' && /^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
