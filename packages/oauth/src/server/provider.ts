import {isIP} from 'node:net';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import type Provider from 'oidc-provider';
import type {Configuration, JWK, KoaContextWithOIDC} from 'oidc-provider';
import type {OauthConfig} from '../generated/config.js';
import {RecordAdapter} from '../services/records.js';
import {errorPage} from './pages.js';

/** The standard scopes beside the permissions: sign-in identity and refresh tokens. */
export const STANDARD_SCOPES = ['openid', 'offline_access', 'email', 'profile'] as const;

/** Where oidc-provider's endpoints are: all under /oauth, so the module serves one prefix. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const;

export interface ProviderSettings {
  issuer: string;
  /** The one protected resource: `<base>/mcp`. */
  resource: string;
  /** The permissions clients may ask for (every declared permission). */
  permissions: readonly string[];
  /** Private signing keys, the active one first (auth:generatekey). */
  keys: JWK[];
  /** Keys that sign the server's cookies, newest first. */
  cookieKeys: string[];
  config: OauthConfig;
  db: ModuleDatabase;
  users: UsersApi;
  onError(error: unknown): void;
}

/** Whether a client ID metadata document may be fetched from `clientId`: https on a public name only. */
export function metadataDocumentFetchable(clientId: string): boolean {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Names only: an address literal (loopback, private, link-local...) is where a fetch must not go.
  return (
    url.protocol === 'https:' &&
    isIP(host) === 0 &&
    host !== 'localhost' &&
    !host.endsWith('.localhost') &&
    host.includes('.')
  );
}

/**
 * oidc-provider (a certified, maintained OAuth 2.x / OpenID Connect server) configured as the
 * authorization server of /mcp: PKCE always, JWT access tokens (RFC 9068) for the one resource,
 * refresh tokens that rotate on every use (a reused one revokes its grant), open registration.
 */
export async function createProvider(settings: ProviderSettings): Promise<Provider> {
  const {default: ProviderClass, errors} = await import('oidc-provider');
  // auth:generatekey makes EdDSA or RS256 keys.
  const alg = settings.keys[0]!.alg as 'EdDSA' | 'RS256';
  const {config} = settings;
  const configuration: Configuration = {
    adapter: (model: string) => new RecordAdapter(settings.db, model),
    jwks: {keys: settings.keys},
    cookies: {keys: settings.cookieKeys},
    // Permissions are scopes of the server too: clients name them when they register (RFC 7591 `scope`).
    scopes: [...STANDARD_SCOPES, ...settings.permissions],
    // OAuth 2.1: the authorization code flow only (no implicit, no hybrid).
    responseTypes: ['code'],
    claims: {openid: ['sub'], email: ['email', 'email_verified'], profile: ['name']},
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: alg,
    },
    async findAccount(_ctx, id) {
      const user = await settings.users.users.find(id).catch(() => undefined);
      if (!user || user.status !== 'enabled') return undefined;
      return {
        accountId: user.id,
        claims: async () => ({sub: user.id, email: user.email, email_verified: true, name: user.name ?? undefined}),
      };
    },
    features: {
      devInteractions: {enabled: false},
      rpInitiatedLogout: {enabled: false},
      registration: {enabled: config.registration === 'open'},
      revocation: {enabled: true},
      clientIdMetadataDocument: {
        enabled: config.clientIdMetadataDocuments,
        ack: 'draft-02',
        allowFetch: async (_ctx: KoaContextWithOIDC, clientId: string) => metadataDocumentFetchable(clientId),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => settings.resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== settings.resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: settings.permissions.join(' '),
            audience: settings.resource,
            accessTokenTTL: config.accessTokenMinutes * 60,
            accessTokenFormat: 'jwt',
            jwt: {sign: {alg}},
          };
        },
      },
    },
    pkce: {required: () => true},
    routes: OAUTH_ROUTES,
    interactions: {url: async (_ctx, interaction) => `/oauth/interaction/${interaction.uid}`},
    // A refresh token for every client that may use one; each use rotates it.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // The grant travels in the access token: /mcp refuses it once the grant is revoked.
    extraTokenClaims: async (_ctx, token) => ('grantId' in token && token.grantId ? {gid: token.grantId} : undefined),
    ttl: {
      AccessToken: config.accessTokenMinutes * 60,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: config.refreshTokenDays * 86_400,
      RefreshToken: config.refreshTokenDays * 86_400,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(
        'Sign-in failed',
        `${out.error}: ${out.error_description ?? 'the request cannot be completed'}`,
      );
    },
  };
  const provider = new ProviderClass(settings.issuer, configuration);
  provider.on('server_error', (_ctx: unknown, error: unknown) => settings.onError(error));
  return provider;
}
