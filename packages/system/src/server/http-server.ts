import Fastify, {type FastifyInstance, type FastifyReply, type FastifyRequest} from 'fastify';
import {
  ANONYMOUS,
  httpStatusOfExit,
  isHttpReply,
  toSystemPromptError,
  type AccessProvider,
  type Actor,
  type HttpMethod,
  type Logger,
  type RegisteredMount,
  type RegisteredRoute,
  type RoutePermission,
} from '@systemprompt/core';
import type {ModuleHealth} from '@systemprompt/core/kernel';
import type {ServedRoute, ServerGate} from '@systemprompt/core';
import type {ApiModuleApi} from '@systemprompt/api';
import {traceRequests} from './http-tracing.js';
import type {ServerMetrics} from './metrics.js';

/** How long a module's health check result is reused (a load balancer may ask many times a second). */
const HEALTH_CACHE_MS = 1000;
const BODY_LIMIT_BYTES = 1024 * 1024;

export type ServerPhase = 'starting' | 'ready' | 'draining';

export interface HttpServerOptions {
  routes: readonly RegisteredRoute[];
  mounts: readonly RegisteredMount[];
  authenticate: (header: string | undefined) => Promise<Actor | undefined>;
  access: AccessProvider;
  api: ApiModuleApi;
  metrics: ServerMetrics;
  metricsPublic: boolean;
  /** Runs the health checks of the given modules. */
  health: (modules: readonly string[]) => Promise<ModuleHealth[]>;
  modules: () => readonly string[];
  phase: () => ServerPhase;
  logger: Logger;
  /** The network module's firewall and TLS (absent when the module is not installed: no firewall, plain HTTP). */
  network?: ServerGate;
  /** Serve HTTPS with this certificate chain and key. */
  https?: {key: string; cert: string};
  /** Told of every route fastify registers (its onRoute hook): the route table network:routes shows. */
  onRoute?: (route: ServedRoute) => void;
}

function errorBody(code: string, message: string, hint?: string) {
  return {error: {code, message, ...(hint ? {hint} : {})}};
}

/** The actor a request may go on as, or a refusal sent on `reply` (then undefined). */
/** How a path admits callers beyond its permission. */
interface AdmitPolicy {
  /** Named in a 401's challenge (RFC 9728). */
  resourceMetadataPath?: string;
  /** The handler applies the rate limits itself. */
  ownRateLimits?: boolean;
  /** The handler reads the Authorization header itself: the caller stays anonymous here. */
  ownCredentials?: boolean;
}

const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** `Bearer`, with the protected-resource metadata URL when the path has one. */
const challenge = (request: FastifyRequest, policy: AdmitPolicy, error?: string) =>
  [
    'Bearer',
    [
      ...(error ? [`error="${error}"`] : []),
      ...(policy.resourceMetadataPath
        ? [`resource_metadata="${originOf(request)}${policy.resourceMetadataPath}"`]
        : []),
    ].join(', '),
  ]
    .filter(Boolean)
    .join(' ');

async function admit(
  request: FastifyRequest,
  reply: FastifyReply,
  permission: RoutePermission,
  endpoint: string,
  options: HttpServerOptions,
  policy: AdmitPolicy = {},
): Promise<Actor | undefined> {
  if (policy.ownCredentials && permission === 'public') return ANONYMOUS;
  let authenticated: Actor | undefined;
  try {
    authenticated = await options.authenticate(request.headers.authorization);
  } catch (error) {
    if (toSystemPromptError(error).code === 'CREDENTIAL_INVALID')
      void reply.header('www-authenticate', challenge(request, policy, 'invalid_token'));
    throw error;
  }
  const actor = authenticated ?? ANONYMOUS;
  if (permission === 'public') return actor;
  if (actor.kind === 'anonymous') {
    void reply
      .code(401)
      .header('www-authenticate', challenge(request, policy))
      .send(
        errorBody('NOT_AUTHENTICATED', 'This endpoint needs a credential (Authorization: Bearer <API key or token>)'),
      );
    return undefined;
  }
  if (permission !== 'authenticated') await options.access.authorize(actor, permission, 'http.request', endpoint);
  if (actor.kind === 'user' && !policy.ownRateLimits) {
    const decision = await options.api.limits.check(actor, endpoint);
    if (decision.limit !== null) {
      void reply.header('x-ratelimit-limit', decision.limit).header('x-ratelimit-remaining', decision.remaining ?? 0);
    }
    if (!decision.allowed) {
      void reply
        .code(429)
        .header('retry-after', decision.retryAfterSeconds)
        .send(
          errorBody(
            'RATE_LIMITED',
            `Rate limit of ${decision.limit} requests per minute reached (${decision.source})`,
            `Retry in ${decision.retryAfterSeconds} s.`,
          ),
        );
      return undefined;
    }
    if (actor.via === 'api-key' && actor.credentialId) await options.api.usage.record(actor.credentialId, endpoint);
  }
  return actor;
}

/**
 * The one HTTP server: /health, /ready and /metrics, and every route the modules added through their
 * context, each behind the server's authentication, its declared permission and the rate limits.
 */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  // With a certificate fastify creates an https.Server; every hook and route below is the same.
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    ...(options.https ? {https: {key: options.https.key, cert: options.https.cert}} : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  const {metrics} = options;

  // Each route says which module added it and what it needs, so the table fastify reports is complete.
  if (options.onRoute) {
    const told = options.onRoute;
    app.addHook('onRoute', (route) => {
      const config = (route.config ?? {}) as {module?: string; permission?: string; summary?: string};
      for (const method of Array.isArray(route.method) ? route.method : [route.method])
        told({
          method,
          url: route.url,
          module: config.module ?? 'system',
          permission: config.permission ?? 'public',
          ...(config.summary ? {summary: config.summary} : {}),
        });
    });
  }

  // The firewall runs first, before tracing and authentication: a refused address costs one lookup.
  const gate = options.network;
  if (gate) {
    app.addHook('onRequest', (request, reply, done) => {
      const admission = gate.admit(request.socket.remoteAddress, request.headers['x-forwarded-for']);
      if (admission.allowed) return done();
      gate.refused(admission, {method: request.method, url: request.url, peer: request.socket.remoteAddress ?? ''});
      const {code, message, hint} = admission.error;
      void reply.code(403).send(errorBody(code, message, hint));
    });
  }
  traceRequests(app);

  // One labelled child per method, route and status, found by a plain string key: cheaper per request
  // than handing prom-client a label object to hash each time. Attached to each route rather than to
  // every request: the probes (/health, /ready) stay out of the histogram, and out of its cost.
  const durations = new Map<string, ReturnType<typeof metrics.httpDuration.labels>>();
  const observe = (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = durations.get(key);
    if (!child) {
      child = metrics.httpDuration.labels({method: request.method, route, status: String(reply.statusCode)});
      durations.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
  };
  const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    observe(request, reply);
    done();
  };

  app.setErrorHandler((error, request, reply) => {
    const failure = toSystemPromptError(error);
    const fastifyStatus = (error as {statusCode?: number}).statusCode;
    let status = httpStatusOfExit(failure.exitCode) ?? (fastifyStatus && fastifyStatus < 500 ? fastifyStatus : 500);
    if (status === 403 && failure.code === 'CREDENTIAL_INVALID') status = 401;
    if (status >= 500) options.logger.error({err: error, url: request.url}, 'request failed');
    if (status === 401 && !reply.hasHeader('www-authenticate'))
      void reply.header('www-authenticate', 'Bearer error="invalid_token"');
    const message = status === 500 && !fastifyStatus ? 'Internal server error' : failure.message;
    void reply.code(status).send(errorBody(status === 500 ? 'INTERNAL' : failure.code, message, failure.hint));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
    observe(request, reply);
  });

  const healthCache = new Map<string, {at: number; result: ModuleHealth}>();
  const cachedHealth = async (): Promise<ModuleHealth[]> => {
    const now = Date.now();
    const names = options.modules();
    const stale = names.filter((name) => (healthCache.get(name)?.at ?? 0) + HEALTH_CACHE_MS <= now);
    if (stale.length > 0) {
      for (const result of await options.health(stale)) {
        healthCache.set(result.module, {at: now, result});
        metrics.moduleUp.set({module: result.module}, result.healthy ? 1 : 0);
      }
    }
    return names.map((name) => healthCache.get(name)!.result);
  };

  // The answer itself is kept as long as the checks it comes from: most requests cost one comparison.
  let healthAnswer: {at: number; status: number; body: string} | undefined;
  const own = (summary: string, permission = 'public') => ({config: {module: 'system', permission, summary}});
  app.get(
    '/health',
    own('200 while every module is healthy, else 503 naming the unhealthy ones.'),
    async (_request, reply) => {
      if (!healthAnswer || healthAnswer.at + HEALTH_CACHE_MS <= Date.now()) {
        const at = Date.now();
        const unhealthy = (await cachedHealth()).filter((result) => !result.healthy);
        const body =
          unhealthy.length === 0
            ? {status: 'ok'}
            : {
                status: 'unhealthy',
                unhealthy: unhealthy.map((result) => result.module),
                modules: unhealthy.map(({module, message}) => ({module, message: message ?? 'unhealthy'})),
              };
        healthAnswer = {at, status: unhealthy.length === 0 ? 200 : 503, body: JSON.stringify(body)};
      }
      return reply.code(healthAnswer.status).type('application/json; charset=utf-8').send(healthAnswer.body);
    },
  );

  app.get(
    '/ready',
    own('200 once the modules have started; 503 while starting or draining.'),
    async (_request, reply) => {
      const phase = options.phase();
      return phase === 'ready' ? {status: 'ready'} : reply.code(503).send({status: phase});
    },
  );

  const metricsPermission = options.metricsPublic ? 'public' : 'system:read';
  app.get(
    '/metrics',
    {onResponse, ...own('The Prometheus exposition of every module.', metricsPermission)},
    async (request, reply) => {
      const permission = metricsPermission;
      if (!(await admit(request, reply, permission, 'GET /metrics', options))) return reply;
      await cachedHealth();
      return reply.header('content-type', metrics.contentType).send(await metrics.registry.metrics());
    },
  );

  for (const route of options.routes) {
    const endpoint = `${route.method} ${route.url}`;
    app.route({
      method: route.method,
      url: route.url,
      onResponse,
      config: {module: route.module, permission: route.permission, ...(route.summary ? {summary: route.summary} : {})},
      handler: async (request, reply) => {
        const actor = await admit(request, reply, route.permission, endpoint, options);
        if (!actor) return reply;
        const result = await route.handler({
          actor,
          method: request.method as HttpMethod,
          path: request.url.split('?')[0]!,
          params: (request.params ?? {}) as Record<string, string>,
          query: (request.query ?? {}) as Record<string, string | string[] | undefined>,
          body: request.body,
          headers: request.headers,
        });
        if (!isHttpReply(result)) return result ?? {};
        if (result.headers) void reply.headers(result.headers);
        return reply.code(result.status).send(result.body);
      },
    });
  }
  const rawMounts = options.mounts.filter((mount) => mount.rawBody);
  const parsedMounts = options.mounts.filter((mount) => !mount.rawBody);
  const mountRoute = (server: FastifyInstance, mount: RegisteredMount) => {
    const policy: AdmitPolicy = {
      resourceMetadataPath: mount.resourceMetadataPath,
      ownRateLimits: mount.ownRateLimits,
      ownCredentials: mount.ownCredentials,
    };
    server.route({
      method: mount.methods,
      url: mount.path,
      ...(mount.ownMetrics ? {} : {onResponse}),
      config: {module: mount.module, permission: mount.permission, ...(mount.summary ? {summary: mount.summary} : {})},
      handler: async (request, reply) => {
        const actor = await admit(request, reply, mount.permission, `${request.method} ${mount.path}`, options, policy);
        if (!actor) return reply;
        // The mount writes its own answer (MCP streams it); fastify only measures it.
        reply.hijack();
        try {
          await mount.handle({
            actor,
            request: request.raw,
            response: reply.raw,
            body: request.body,
            origin: originOf(request),
          });
        } catch (error) {
          options.logger.error({err: error, url: request.url}, 'request failed');
          if (!reply.raw.headersSent) reply.raw.writeHead(500, {'content-type': 'application/json; charset=utf-8'});
          if (!reply.raw.writableEnded) reply.raw.end(JSON.stringify(errorBody('INTERNAL', 'Internal server error')));
        }
        return reply;
      },
    });
  };
  for (const mount of parsedMounts) mountRoute(app, mount);
  if (rawMounts.length > 0) {
    // Their own scope without body parsers: the stream reaches the handler unread, whatever its type.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      for (const mount of rawMounts) mountRoute(scope, mount);
    });
  }
  return app;
}
