/**
 * HTTP routes as modules declare them: framework-neutral, so a module never imports the server's
 * framework. The server (the system module) mounts them under `/api/<module>`, authenticates the
 * bearer credential once, checks the route's permission, and maps errors to HTTP statuses.
 */
import type {Actor} from './actor.js';

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

export interface HttpRoutes {
  add(route: HttpRoute): void;
}

/** `/api/<module>` + path, without a trailing slash (except for the prefix itself). */
export function routeUrl(module: string, path: string): string {
  const suffix = path === '/' || path === '' ? '' : path.startsWith('/') ? path : `/${path}`;
  return `/api/${module}${suffix}`;
}
