import {
  conflict,
  invalidInput,
  notFound,
  unavailable,
  type Actor,
  type ConfirmStep,
  type EventBus,
} from '@systemprompt/core';
import type {SecretBox} from '@systemprompt/core/config';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import {Identity, Provider, type ProviderRow} from '../entities.js';
import {AUTH_PROVIDER_CHANGED} from '../events.js';

/** The fields of a provider as listed and shown (auth:providers, auth:providers:add). */
export const PROVIDER_FIELDS = [
  'name',
  'issuer',
  'clientId',
  'clientSecret',
  'defaultRole',
  'groupsClaim',
  'groupRoles',
  'createdAt',
] as const;

/** A provider as shown: whether a client secret is stored, never the secret. */
export interface ProviderView {
  name: string;
  issuer: string;
  clientId: string;
  /** `stored` (encrypted) or `none` (a public client). */
  clientSecret: 'stored' | 'none';
  /** The role of the users it creates at their first sign-in; null: it creates none. */
  defaultRole: string | null;
  /** The ID token claim that lists the user's groups. */
  groupsClaim: string;
  /** `GROUP=ROLE`: members of the group get the role at sign-in, and lose it when they leave the group. */
  groupRoles: string[];
  createdAt: string;
}

/** What auth:providers:add takes. */
export interface ProviderInput {
  name: string;
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  defaultRole?: string | undefined;
  groupsClaim?: string | undefined;
  /** `GROUP=ROLE` pairs. */
  groupRoles?: readonly string[] | undefined;
}

export interface DiscoveryReport {
  provider: string;
  ok: true;
  url: string;
  status: number;
  latencyMs: number;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 10_000;
export const DEFAULT_GROUPS_CLAIM = 'groups';
const NAME = /^[a-z][a-z0-9-]{0,63}$/;
const REQUIRED = [
  ['authorization_endpoint', 'authorizationEndpoint'],
  ['token_endpoint', 'tokenEndpoint'],
  ['jwks_uri', 'jwksUri'],
] as const;

/** The `[group, role]` pairs of a provider's group_roles column. */
export function groupRolesOf(row: Pick<ProviderRow, 'groupRoles'>): Array<[group: string, role: string]> {
  if (!row.groupRoles) return [];
  const pairs = JSON.parse(row.groupRoles) as unknown;
  return Array.isArray(pairs)
    ? pairs.filter(
        (pair): pair is [string, string] =>
          Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string',
      )
    : [];
}

const view = (row: ProviderRow): ProviderView => ({
  name: row.name,
  issuer: row.issuer,
  clientId: row.clientId,
  clientSecret: row.clientSecret ? 'stored' : 'none',
  defaultRole: row.defaultRole,
  groupsClaim: row.groupsClaim,
  groupRoles: groupRolesOf(row).map(([group, role]) => `${group}=${role}`),
  createdAt: row.createdAt,
});

export function checkIssuer(raw: string): string {
  const hint = 'The issuer is the URL the provider names itself by, e.g. https://accounts.google.com.';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalidInput(`--issuer "${raw}" is not a URL`, {code: 'PROVIDER_ISSUER_INVALID', hint});
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidInput('--issuer must be an http or https URL', {code: 'PROVIDER_ISSUER_INVALID', hint});
  if (url.username || url.password || url.search || url.hash)
    throw invalidInput('--issuer must not contain credentials, a query or a fragment', {
      code: 'PROVIDER_ISSUER_INVALID',
      hint,
    });
  if (raw.trim().length > 500)
    throw invalidInput('--issuer is longer than 500 characters', {code: 'PROVIDER_ISSUER_INVALID'});
  // Kept as given: OpenID Connect compares the issuer exactly, trailing slash included.
  return raw.trim();
}

/** `raw` trimmed, when it is 1 to `max` characters with no space or control character. */
function oneWord(raw: string, max: number): string | undefined {
  const word = raw.trim();
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  return word && word.length <= max && !/[\s\u0000-\u001f\u007f]/.test(word) ? word : undefined;
}

function checkClientId(raw: string): string {
  const id = oneWord(raw, 255);
  if (!id)
    throw invalidInput('--client-id must be 1 to 255 characters without spaces', {code: 'PROVIDER_CLIENT_ID_INVALID'});
  return id;
}

function checkGroupsClaim(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_GROUPS_CLAIM;
  const claim = oneWord(raw, 200);
  if (!claim)
    throw invalidInput('--groups-claim must be a claim name of 1 to 200 characters without spaces', {
      code: 'PROVIDER_GROUPS_CLAIM_INVALID',
    });
  return claim;
}

/** `GROUP=ROLE` pairs, split at the last `=` (role names have none; a group name may), without repeats. */
function checkGroupRoles(raw: readonly string[]): Array<[string, string]> {
  const pairs = new Map<string, [string, string]>();
  for (const entry of raw) {
    const at = entry.lastIndexOf('=');
    const group = at < 0 ? '' : entry.slice(0, at).trim();
    const role = at < 0 ? '' : entry.slice(at + 1).trim();
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (!group || !role || group.length > 255 || /[\u0000-\u001f\u007f]/.test(group))
      throw invalidInput(`--map-group ${JSON.stringify(entry.slice(0, 100))} is not GROUP=ROLE`, {
        code: 'PROVIDER_GROUP_MAP_INVALID',
        hint: 'For example --map-group engineering=operator (repeat the flag for more groups).',
      });
    pairs.set(JSON.stringify([group, role]), [group, role]);
  }
  return [...pairs.values()];
}

/** The discovery document's address: the issuer, without a trailing slash, + /.well-known/openid-configuration. */
export const discoveryUrl = (issuer: string): string =>
  `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;

/** OpenID Connect identity providers for sign-in through the web; the client secret is encrypted. */
export class ProviderService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly secrets: SecretBox,
    private readonly events: EventBus,
  ) {}

  private async row(name: string): Promise<ProviderRow> {
    const row = await this.db.repository(Provider).findOneBy({name});
    if (!row)
      throw notFound(`No identity provider ${JSON.stringify(name.slice(0, 100))}`, {
        code: 'PROVIDER_NOT_FOUND',
        hint: 'See auth:providers.',
      });
    return row;
  }

  async list(actor: Actor): Promise<ProviderView[]> {
    await this.users.access.authorize(actor, 'auth:read', 'auth.list-providers');
    return (await this.db.repository(Provider).find({order: {name: 'ASC'}})).map(view);
  }

  /**
   * Adds a provider. The roles it gives (`defaultRole`, the roles of `groupRoles`) must exist, and the
   * actor must hold what they give (the escalation rule): whoever the provider signs in gets them.
   */
  async add(actor: Actor, input: ProviderInput): Promise<ProviderView> {
    await this.users.access.authorize(actor, 'auth:providers', 'auth.add-provider', input.name);
    if (!NAME.test(input.name))
      throw invalidInput(
        `${JSON.stringify(input.name.slice(0, 100))} is not a provider name (lower-case letters, digits and dashes, up to 64)`,
        {code: 'PROVIDER_NAME_INVALID'},
      );
    const issuer = checkIssuer(input.issuer);
    const clientId = checkClientId(input.clientId);
    const groupsClaim = checkGroupsClaim(input.groupsClaim);
    const groupRoles = checkGroupRoles(input.groupRoles ?? []);
    const defaultRole = input.defaultRole?.trim() || null;
    const roles = [...new Set([...(defaultRole ? [defaultRole] : []), ...groupRoles.map(([, role]) => role)])];
    for (const role of roles) {
      if (!(await this.users.roles.exists(role)))
        throw notFound(`No role ${JSON.stringify(role.slice(0, 100))}`, {
          code: 'ROLE_NOT_FOUND',
          hint: 'See auth:role for the roles, or create it first with auth:role:create.',
        });
    }
    await this.users.access.assertCanAssignRoles(actor, roles, 'auth.add-provider', input.name);
    const now = new Date().toISOString();
    const row: ProviderRow = {
      name: input.name,
      issuer,
      clientId,
      clientSecret: input.clientSecret ? await this.secrets.encrypt(input.clientSecret) : null,
      createdAt: now,
      updatedAt: now,
      defaultRole,
      groupsClaim,
      groupRoles: groupRoles.length > 0 ? JSON.stringify(groupRoles) : null,
    };
    await this.db.transaction(async (manager) => {
      if (await manager.getRepository(Provider).findOneBy({name: input.name}))
        throw conflict(`Identity provider ${input.name} already exists`, {
          code: 'PROVIDER_EXISTS',
          hint: `Remove it first with auth:providers:remove ${input.name}.`,
        });
      await manager.getRepository(Provider).insert(row);
      await this.events.emit(
        AUTH_PROVIDER_CHANGED,
        {name: input.name, change: 'added'},
        {transaction: manager, actor, subject: input.name},
      );
    });
    const shown = view(row);
    await this.users.audit.record(actor, {
      action: 'auth.add-provider',
      target: input.name,
      result: 'ok',
      permission: 'auth:providers',
      details: {
        issuer,
        clientId,
        clientSecret: shown.clientSecret,
        defaultRole,
        groupsClaim,
        groupRoles: shown.groupRoles,
      },
    });
    return shown;
  }

  /** Removes a provider; the permission first, then the look-up, then `confirm` (when given). */
  async remove(
    actor: Actor,
    name: string,
    options: {confirm?: ConfirmStep} = {},
  ): Promise<{name: string; removed: true}> {
    await this.users.access.authorize(actor, 'auth:providers', 'auth.remove-provider', name);
    const row = await this.row(name);
    await options.confirm?.(`Remove identity provider ${row.name} (${row.issuer})?`);
    // Its links to local users go with it: a provider added later under the same name is another one.
    await this.db.transaction(async (manager) => {
      await manager.getRepository(Identity).delete({provider: name});
      await manager.getRepository(Provider).delete({name});
    });
    await this.users.audit.record(actor, {
      action: 'auth.remove-provider',
      target: name,
      result: 'ok',
      permission: 'auth:providers',
    });
    await this.events.emit(AUTH_PROVIDER_CHANGED, {name, change: 'removed'}, {actor, subject: name});
    return {name, removed: true};
  }

  /**
   * Fetches the provider's discovery document and checks it: JSON, `issuer` equal to the configured
   * one, and the authorization, token and JWKS endpoints present. Anything else is exit 6.
   */
  async test(actor: Actor, name: string, options: {timeoutMs?: number} = {}): Promise<DiscoveryReport> {
    await this.users.access.authorize(actor, 'auth:read', 'auth.test-provider', name);
    const row = await this.row(name);
    const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
    const url = discoveryUrl(row.issuer);
    const bad = (message: string, code: string, hint?: string) =>
      unavailable(`Provider "${name}": ${message}`, {code, details: {url}, ...(hint ? {hint} : {})});
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, {headers: {accept: 'application/json'}, signal: AbortSignal.timeout(timeoutMs)});
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
        throw bad(
          `no answer from ${url} within ${timeoutMs} ms`,
          'PROVIDER_TIMEOUT',
          'Check the issuer URL and the network, or raise --timeout.',
        );
      const cause = (error as {cause?: {code?: unknown; message?: unknown}}).cause;
      const reason =
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error instanceof Error
              ? error.message
              : String(error);
      throw bad(
        `${url} cannot be reached (${reason})`,
        'PROVIDER_UNREACHABLE',
        'Check the issuer URL and that this host can reach it.',
      );
    }
    let body: unknown;
    try {
      if (!response.ok)
        throw bad(
          `${url} answered HTTP ${response.status}`,
          'PROVIDER_BAD_RESPONSE',
          'Is the issuer URL right? It is the URL before /.well-known/openid-configuration.',
        );
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        throw bad(`${url} did not answer with JSON`, 'PROVIDER_BAD_RESPONSE', 'Is the issuer URL right?');
      }
    } finally {
      if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw bad('the discovery document is not a JSON object', 'PROVIDER_BAD_RESPONSE');
    const document = body as Record<string, unknown>;
    if (document.issuer !== row.issuer) {
      throw bad(
        `the discovery document names the issuer ${JSON.stringify(document.issuer)}, not ${row.issuer}`,
        'PROVIDER_ISSUER_MISMATCH',
        'The issuer must match exactly (trailing slash included); remove the provider and add it with the issuer the document gives, if you trust it.',
      );
    }
    const missing = REQUIRED.filter(([key]) => typeof document[key] !== 'string' || !document[key]).map(([key]) => key);
    if (missing.length > 0)
      throw bad(`the discovery document has no ${missing.join(', ')}`, 'PROVIDER_DISCOVERY_INCOMPLETE');
    return {
      provider: name,
      ok: true,
      url,
      status: response.status,
      latencyMs,
      issuer: row.issuer,
      authorizationEndpoint: document.authorization_endpoint as string,
      tokenEndpoint: document.token_endpoint as string,
      jwksUri: document.jwks_uri as string,
    };
  }

  async exists(name: string): Promise<ProviderView> {
    return view(await this.row(name));
  }

  /** The stored row, its client secret encrypted; no permission check (for sign-in, which needs none). */
  stored(name: string): Promise<ProviderRow> {
    return this.row(name);
  }
}
