import type {IncomingMessage, ServerResponse} from 'node:http';
import {
  ExitCode,
  httpStatusOfExit,
  invalidInput,
  toSystemPromptError,
  unavailable,
  type EventBus,
  type HttpExchange,
  type HttpRoutes,
  type Logger,
} from '@systemprompt/core';
import type {AuthApi} from '@systemprompt/auth';
import type {UsersApi} from '@systemprompt/users';
import type Provider from 'oidc-provider';
import type {InteractionResults} from 'oidc-provider';
import {OAUTH_CONSENT} from '../events.js';
import {consentPage, errorPage, loginPage} from './pages.js';
import {STANDARD_SCOPES, type ProviderSettings} from './provider.js';
import type {IssuerPolicy} from '../services/issuers.js';

const FORM_LIMIT_BYTES = 16 * 1024;
const INTERACTION = /^\/oauth\/interaction\/([A-Za-z0-9_-]{1,128})(?:\/(login|consent|abort))?$/;

export interface EndpointDeps {
  http: HttpRoutes;
  issuers: IssuerPolicy;
  auth: AuthApi;
  users: UsersApi;
  events: EventBus;
  logger: Logger;
  /** Everything createProvider needs but the issuer, the resource and the keys. */
  settings: () => Promise<Omit<ProviderSettings, 'issuer' | 'resource' | 'keys'>>;
}

function sendJsonError(response: ServerResponse, error: unknown): void {
  const failure = toSystemPromptError(error);
  const status = httpStatusOfExit(failure.exitCode) ?? 500;
  const body = {
    error: status === 500 ? 'server_error' : 'temporarily_unavailable',
    error_description: status === 500 ? 'Internal server error' : failure.message,
  };
  response.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store'});
  response.end(JSON.stringify(body));
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The pages post only to this server and are never framed (clickjacking of the consent button).
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  response.end(html);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw invalidInput('Expected a form (application/x-www-form-urlencoded)', {code: 'OAUTH_FORM_INVALID'});
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) throw invalidInput('The form is too large', {code: 'OAUTH_FORM_INVALID'});
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The authorization server on the system server: oidc-provider's endpoints under /oauth, its
 * metadata at /.well-known/oauth-authorization-server (RFC 8414) and /.well-known/openid-configuration,
 * and the sign-in and consent pages of its interactions. One provider per issuer, built on the first
 * request (CLI processes never load oidc-provider) and again when the signing keys change.
 */
export function mountAuthorizationServer(deps: EndpointDeps): {close(): void} {
  const built = new Map<string, {kids: string; provider: Promise<Provider>}>();
  // Koa composes its middleware in callback(): once per provider, not once per request.
  const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const handlerOf = (provider: Provider) => {
    let handler = handlers.get(provider);
    if (!handler) handlers.set(provider, (handler = provider.callback()));
    return handler;
  };

  async function providerFor(origin: string): Promise<Provider> {
    const issuer = deps.issuers.issuerFor(origin);
    // The keys that verify name the provider's version (one query); their private files are read to build it.
    const kids = (await deps.auth.keys.jwks()).keys.map((key) => key.kid).join(' ');
    const cached = built.get(issuer);
    if (cached?.kids === kids) return cached.provider;
    const keys = await deps.auth.keys.privateJwks();
    if (keys.length === 0)
      throw unavailable('The authorization server has no signing key on this host', {
        code: 'OAUTH_NO_SIGNING_KEY',
        hint: 'Generate one with auth:generatekey.',
      });
    const {createProvider} = await import('./provider.js');
    const provider = deps
      .settings()
      .then((settings) => createProvider({...settings, issuer, resource: deps.issuers.resourceOf(issuer), keys}));
    built.set(issuer, {kids, provider});
    provider.catch(() => built.delete(issuer));
    return provider;
  }

  async function serve(exchange: HttpExchange, rewrite?: string): Promise<void> {
    const {request, response} = exchange;
    let provider: Provider;
    try {
      provider = await providerFor(exchange.origin);
    } catch (error) {
      return sendJsonError(response, error);
    }
    const path = (request.url ?? '/').split('?')[0]!;
    const interaction = INTERACTION.exec(path);
    if (interaction) return interact(provider, interaction[2], request, response);
    if (rewrite) request.url = rewrite;
    await handlerOf(provider)(request, response);
  }

  async function interact(
    provider: Provider,
    action: string | undefined,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    let details;
    try {
      details = await provider.interactionDetails(request, response);
    } catch {
      return sendHtml(
        response,
        400,
        errorPage(
          'Sign-in expired',
          'This sign-in has expired or was started in another browser. Start again from the application.',
        ),
      );
    }
    const {uid, prompt, params} = details;
    const clientId = String(params.client_id ?? '');
    const client = await provider.Client.find(clientId).catch(() => undefined);
    const clientName = client?.clientName ?? clientId;
    const finish = (result: InteractionResults, merge = false) =>
      provider.interactionFinished(request, response, result, {mergeWithLastSubmission: merge});

    if (request.method === 'GET' && !action) {
      if (prompt.name === 'login') return sendHtml(response, 200, loginPage({uid, client: clientName}));
      if (prompt.name === 'consent' && details.session?.accountId) {
        const decision = await decideScopes(details.session.accountId, prompt.details);
        const user = await deps.users.users.find(details.session.accountId);
        return sendHtml(response, 200, consentPage({uid, client: clientName, clientId, user: user.email, ...decision}));
      }
      return sendHtml(response, 400, errorPage('Sign-in failed', `Unexpected step ${prompt.name}.`));
    }
    if (request.method !== 'POST' || !action)
      return sendHtml(response, 405, errorPage('Sign-in failed', 'This page takes a form.'));
    let form: URLSearchParams;
    try {
      form = await readForm(request);
    } catch (error) {
      return sendHtml(response, 400, errorPage('Sign-in failed', toSystemPromptError(error).message));
    }
    if (action === 'abort')
      return finish({error: 'access_denied', error_description: 'The user cancelled the sign-in.'});

    if (action === 'login') {
      if (prompt.name !== 'login') return sendHtml(response, 400, errorPage('Sign-in failed', 'Already signed in.'));
      const email = form.get('email') ?? '';
      try {
        const {user} = await deps.auth.login.verify({
          email,
          password: form.get('password') ?? '',
          code: form.get('code') || undefined,
        });
        return await finish({login: {accountId: user.id}});
      } catch (error) {
        const failure = toSystemPromptError(error);
        if (failure.exitCode !== ExitCode.PermissionDenied) throw error;
        return sendHtml(response, 401, loginPage({uid, client: clientName, email, error: failure.message}));
      }
    }

    // consent
    const accountId = details.session?.accountId;
    if (prompt.name !== 'consent' || !accountId)
      return sendHtml(response, 400, errorPage('Sign-in failed', 'There is nothing to allow at this step.'));
    if (form.get('decision') !== 'allow')
      return finish({error: 'access_denied', error_description: 'The user denied the request.'});
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({accountId, clientId}))
      : new provider.Grant({accountId, clientId});
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    // Permissions come up as server scopes too (they are registered as such): given only when held.
    const oidcScopes = missing.missingOIDCScope ?? [];
    const standard = oidcScopes.filter((scope) => (STANDARD_SCOPES as readonly string[]).includes(scope));
    const oidc = await byHolding(
      accountId,
      oidcScopes.filter((scope) => !standard.includes(scope)),
    );
    if (standard.length + oidc.granted.length > 0) grant.addOIDCScope([...standard, ...oidc.granted].join(' '));
    if (oidc.refused.length > 0) grant.rejectOIDCScope(oidc.refused.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    const granted: string[] = [];
    const refused: string[] = [];
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      const decided = await byHolding(accountId, scopes);
      if (decided.granted.length > 0) grant.addResourceScope(resource, decided.granted.join(' '));
      // Recorded as refused, so the consent step does not come back for them.
      if (decided.refused.length > 0) grant.rejectResourceScope(resource, decided.refused.join(' '));
      granted.push(...decided.granted);
      refused.push(...decided.refused);
    }
    const grantId = await grant.save();
    const user = await deps.users.users.find(accountId);
    const actor = {kind: 'user' as const, id: user.id, label: user.email, via: 'session' as const};
    await deps.users.audit.record(actor, {
      action: 'oauth.consent',
      target: clientId.slice(0, 200),
      result: 'ok',
      details: {grant: grantId, client: clientName.slice(0, 200), granted, refused},
    });
    await deps.events.emit(OAUTH_CONSENT, {grantId, clientId, granted}, {actor, subject: clientId.slice(0, 200)});
    return finish({consent: {grantId}}, true);
  }

  /** The scopes (permissions) split into those the user holds, given, and the others, refused. */
  async function byHolding(userId: string, scopes: readonly string[]) {
    const granted: string[] = [];
    const refused: string[] = [];
    for (const scope of scopes)
      ((await deps.users.access.decideForUser(userId, scope)).allowed ? granted : refused).push(scope);
    return {granted, refused};
  }

  async function decideScopes(userId: string, details: Record<string, unknown>) {
    const missing = details as {missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]>};
    return {
      ...(await byHolding(userId, Object.values(missing.missingResourceScopes ?? {}).flat())),
      offline: missing.missingOIDCScope?.includes('offline_access') ?? false,
    };
  }

  const handle = (rewrite?: string) => async (exchange: HttpExchange) => {
    try {
      await serve(exchange, rewrite);
    } catch (error) {
      deps.logger.error({err: error}, 'OAuth request failed');
      if (!exchange.response.headersSent) sendJsonError(exchange.response, error);
      else if (!exchange.response.writableEnded) exchange.response.end();
    }
  };
  const common = {permission: 'public', rawBody: true, ownCredentials: true} as const;
  deps.http.mount({
    ...common,
    path: '/oauth/*',
    methods: ['GET', 'POST', 'DELETE', 'PUT'],
    summary: 'OAuth 2.1 authorization server: authorize, token, register, revoke, jwks, sign-in and consent pages',
    handle: handle(),
  });
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
    deps.http.mount({
      ...common,
      path,
      methods: ['GET'],
      summary: 'Authorization server metadata (RFC 8414 / OpenID Connect discovery)',
      handle: handle('/.well-known/openid-configuration'),
    });
  return {close: () => built.clear()};
}
