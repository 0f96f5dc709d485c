import {randomBytes} from 'node:crypto';
import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {declaredPermissions} from '@systemprompt/core/kernel';
import {AUTH} from '@systemprompt/auth';
import {DATABASE, type ModuleDatabase} from '@systemprompt/database';
import {MCP} from '@systemprompt/mcp';
import {USERS} from '@systemprompt/users';
import {OAUTH_ENTITIES, OAuthRecord} from './entities.js';
import type {OauthConfig} from './generated/config.js';
import {mountAuthorizationServer} from './server/endpoint.js';
import {OAuthAdmin} from './services/admin.js';
import {IssuerPolicy} from './services/issuers.js';
import {pruneExpired, pruneUnusedClients} from './services/records.js';

export type {OauthConfig} from './generated/config.js';
export {OAuthAdmin, CLIENTS_PERMISSION, type ClientView, type GrantView} from './services/admin.js';
export {IssuerPolicy} from './services/issuers.js';
export {metadataDocumentFetchable} from './server/provider.js';
export * from './events.js';

/** What the oauth module publishes: its commands' service. */
export interface OAuthApi {
  config: OauthConfig;
  admin: OAuthAdmin;
  issuers: IssuerPolicy;
}

const COOKIE_KEYS_ID = 'cookie-keys';

/**
 * The keys that sign the authorization server's cookies: made once, kept in the database so every
 * server of the installation (one behind another on a load balancer) accepts the others' cookies.
 */
async function cookieKeys(db: ModuleDatabase): Promise<string[]> {
  const repository = db.repository(OAuthRecord);
  const read = async () => {
    const row = await repository.findOneBy({model: 'Secret', id: COOKIE_KEYS_ID});
    return row ? (JSON.parse(row.payload) as string[]) : undefined;
  };
  const found = await read();
  if (found) return found;
  const keys = [randomBytes(32).toString('base64url')];
  try {
    await repository.insert({
      model: 'Secret',
      id: COOKIE_KEYS_ID,
      payload: JSON.stringify(keys),
      grantId: null,
      uid: null,
      userCode: null,
      accountId: null,
      clientId: null,
      expiresAt: null,
      consumedAt: null,
      createdAt: Date.now(),
    });
    return keys;
  } catch (error) {
    // Another server made them first: use theirs.
    const theirs = await read();
    if (theirs) return theirs;
    throw error;
  }
}

export class OAuthModule extends BaseModule<OauthConfig> {
  readonly name = 'oauth';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private endpoint: {close(): void} | undefined;
  private untrust: (() => void) | undefined;

  override async initialize(context: ModuleContext<OauthConfig>): Promise<void> {
    await super.initialize(context);
    const {config} = context;
    const db = await context.services.get(DATABASE).forModule(context, OAUTH_ENTITIES);
    const users = context.services.get(USERS);
    const auth = context.services.get(AUTH);
    const mcp = context.services.get(MCP);
    const admin = new OAuthAdmin(db, users, context.events);
    const issuers = new IssuerPolicy(mcp);
    // Every permission a module declares may be asked for; consent gives only those the user holds.
    let declared: string[] | undefined;
    const permissions = () =>
      (declared ??= [...new Set(declaredPermissions(context.modules()).map((permission) => permission.name))].sort());
    mcp.authorization = {servers: (base) => [base], scopes: permissions};
    this.untrust = auth.tokens.trust({
      audienceFor: (issuer) => issuers.audienceFor(issuer),
      check: async (payload) =>
        typeof payload.gid === 'string' && (await admin.grantAlive(payload.gid))
          ? undefined
          : 'its grant was revoked or has expired',
    });
    this.endpoint = mountAuthorizationServer({
      http: context.http,
      issuers,
      auth,
      users,
      events: context.events,
      logger: context.logger,
      settings: async () => ({
        permissions: permissions(),
        cookieKeys: await cookieKeys(db),
        config,
        db,
        users,
        onError: (error) => context.logger.error({err: error}, 'OAuth server error'),
      }),
    });
    context.retention.add({
      name: 'expired',
      description: 'Expired authorization codes, tokens, sessions, interactions and grants',
      keepDays: config.retentionDays,
      setting: 'oauth.retentionDays',
      prune: (before, options) => pruneExpired(db, before.getTime(), options.dryRun),
    });
    context.retention.add({
      name: 'unused-clients',
      description: 'Registered OAuth clients no grant names (never allowed, or every grant gone)',
      keepDays: config.unusedClientDays,
      setting: 'oauth.unusedClientDays',
      prune: (before, options) => pruneUnusedClients(db, before.getTime(), options.dryRun),
    });
    context.provide<OAuthApi>({config, admin, issuers});
  }

  override async stop(): Promise<void> {
    this.endpoint?.close();
    this.untrust?.();
  }
}

export default (): OAuthModule => new OAuthModule();
export {OAUTH} from './token.js';
