/**
 * HTTP routes as modules declare them: framework-neutral, so a module never imports the server's
 * framework. The server (the system module) mounts them under `/api/<module>`, authenticates the
 * bearer credential once, checks the route's permission, and maps errors to HTTP statuses.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Actor} from './actor.js';
import {ExitCode} from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: a permission name, any signed-in caller, or anybody. */
export type RoutePermission = string | 'authenticated' | 'public';

export interface HttpRequest {
  /** The authenticated caller (ANONYMOUS on a public route without credentials). */
  actor: Actor;
  method: HttpMethod;
  /** The full path as requested, without the query string. */
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** A reply other than `200` with a JSON body (what a handler's plain return value becomes). */
export interface HttpReply {
  readonly httpReply: true;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const httpReply = (status: number, body?: unknown, headers?: Record<string, string>): HttpReply => ({
  httpReply: true,
  status,
  ...(body === undefined ? {} : {body}),
  ...(headers ? {headers} : {}),
});

export const isHttpReply = (value: unknown): value is HttpReply =>
  typeof value === 'object' && value !== null && (value as {httpReply?: unknown}).httpReply === true;

export interface HttpRoute {
  method: HttpMethod;
  /** Relative to the module's prefix, with `:name` parameters (`/`, `/:id`). */
  path: string;
  permission: RoutePermission;
  /** One line for `network:routes`. */
  summary?: string;
  /** Returns the JSON body of a 200, or an `httpReply(...)`; a thrown error becomes its HTTP status. */
  handler(request: HttpRequest): Promise<unknown>;
}

/** A route as the server knows it: with its module and full path. */
export interface RegisteredRoute extends HttpRoute {
  module: string;
  /** `/api/<module>` + the route's path. */
  url: string;
}

/** One request to a mount: the authenticated caller and the raw Node request and response. */
export interface HttpExchange {
  actor: Actor;
  request: IncomingMessage;
  response: ServerResponse;
  /** The parsed body (JSON), when the request had one. */
  body: unknown;
  /** `http://host:port` as the client addressed the server (for absolute URLs in answers). */
  origin: string;
}

/**
 * A path a module serves itself, outside `/api/<module>`, for protocols that stream or answer in
 * their own format (MCP's `/mcp`, `/.well-known/*` documents). The server still authenticates the
 * caller and checks the permission first.
 */
export interface HttpMount {
  /** Absolute: `/<module>` (or below it) or `/.well-known/...`. */
  path: string;
  methods: HttpMethod[];
  permission: RoutePermission;
  summary?: string;
  /**
   * Where a client without a credential learns how to get one (RFC 9728): a 401 answers
   * `WWW-Authenticate: Bearer resource_metadata="<origin><path>"`.
   */
  resourceMetadataPath?: string;
  /** The handler applies the per-key rate limits itself (per call, in its own protocol's errors). */
  ownRateLimits?: boolean;
  /**
   * The module measures these requests itself (MCP: calls per tool and outcome, and their durations):
   * the server's request-duration histogram leaves the path out, as it leaves out the probes. Its
   * per-request observation cost the MCP endpoint about a tenth of its calls per second (bench/mcp).
   */
  ownMetrics?: boolean;
  /**
   * The handler reads the request body itself from `exchange.request` (any content type, unparsed;
   * `exchange.body` is undefined): for protocols with their own body rules, such as OAuth's forms.
   */
  rawBody?: boolean;
  /**
   * The handler reads the Authorization header itself (OAuth's token endpoint takes client
   * credentials there): the server does not authenticate these requests; the permission must be public.
   */
  ownCredentials?: boolean;
  /** Writes the whole answer to `exchange.response`. */
  handle(exchange: HttpExchange): Promise<void>;
}

/** A mount as the server knows it: with its module. */
export interface RegisteredMount extends HttpMount {
  module: string;
}

export interface HttpRoutes {
  add(route: HttpRoute): void;
  /** Serves an absolute path with a raw handler (see HttpMount). */
  mount(mount: HttpMount): void;
}

/** `/api/<module>` + path, without a trailing slash (except for the prefix itself). */
export function routeUrl(module: string, path: string): string {
  const suffix = path === '/' || path === '' ? '' : path.startsWith('/') ? path : `/${path}`;
  return `/api/${module}${suffix}`;
}

const STATUS_OF_EXIT: Partial<Record<number, number>> = {
  [ExitCode.InvalidInput]: 400,
  [ExitCode.NotFound]: 404,
  [ExitCode.PermissionDenied]: 403,
  [ExitCode.Conflict]: 409,
  [ExitCode.Unavailable]: 503,
};

/** The HTTP status that answers an error of this exit code (400, 404, 403, 409, 503); undefined: a 500. */
export const httpStatusOfExit = (exitCode: number): number | undefined => STATUS_OF_EXIT[exitCode];

const HTML_ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};

/** Text made safe in an HTML page, as element content or a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
