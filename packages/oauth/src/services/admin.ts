import {invalidInput, notFound, type Actor, type ConfirmStep, type EventBus} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import {OAuthRecord, type OAuthRecordRow} from '../entities.js';
import {OAUTH_CLIENT_REMOVED, OAUTH_GRANT_REVOKED} from '../events.js';

export const CLIENTS_PERMISSION = 'auth:clients';

export interface ClientView {
  clientId: string;
  name: string | null;
  redirectUris: string[];
  /** How it authenticates at the token endpoint (`none`: a public client, PKCE only). */
  authMethod: string;
  registeredAt: string;
  /** Grants users gave it that are still in force. */
  grants: number;
}

export interface GrantView {
  id: string;
  user: string;
  clientId: string;
  client: string | null;
  /** The permissions it allows, space-separated. */
  scopes: string;
  createdAt: string;
  expiresAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** The name a registered client gave itself (RFC 7591 client_name) in its stored registration. */
const clientNameIn = (registration: {client_name?: unknown}): string | null =>
  typeof registration.client_name === 'string' ? registration.client_name : null;
const live = (row: OAuthRecordRow) => row.expiresAt === null || row.expiresAt > Date.now();

/** The registered clients and the users' grants, as auth:clients and auth:grants show and change them. */
export class OAuthAdmin {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly events: EventBus,
  ) {}

  private get records() {
    return this.db.repository(OAuthRecord);
  }

  async listClients(actor: Actor): Promise<ClientView[]> {
    await this.users.access.authorize(actor, CLIENTS_PERMISSION, 'oauth.list-clients');
    const clients = await this.records.find({where: {model: 'Client'}, order: {createdAt: 'ASC'}});
    const grants = (
      await this.records.find({select: {clientId: true, expiresAt: true}, where: {model: 'Grant'}})
    ).filter(live);
    return clients.map((row) => {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      return {
        clientId: row.id,
        name: clientNameIn(payload),
        redirectUris: Array.isArray(payload.redirect_uris) ? payload.redirect_uris.map(String) : [],
        authMethod:
          typeof payload.token_endpoint_auth_method === 'string' ? payload.token_endpoint_auth_method : 'none',
        registeredAt: iso(row.createdAt)!,
        grants: grants.filter((grant) => grant.clientId === row.id).length,
      };
    });
  }

  /** Removes a client with every grant, token and code it holds; the permission first, then the look-up. */
  async removeClient(
    actor: Actor,
    clientId: string,
    options: {confirm?: ConfirmStep} = {},
  ): Promise<{clientId: string; removed: true; grants: number}> {
    await this.users.access.authorize(actor, CLIENTS_PERMISSION, 'oauth.remove-client', clientId.slice(0, 200));
    const row = await this.records.findOneBy({model: 'Client', id: clientId});
    if (!row)
      throw notFound(`No registered OAuth client ${JSON.stringify(clientId.slice(0, 100))}`, {
        code: 'OAUTH_CLIENT_NOT_FOUND',
        hint: 'See auth:clients.',
      });
    const name = clientNameIn(JSON.parse(row.payload) as object);
    await options.confirm?.(
      `Remove OAuth client ${name ? `${name} (${clientId})` : clientId}? Its grants and tokens stop working.`,
    );
    const grants = await this.db.transaction(async (manager) => {
      const repository = manager.getRepository(OAuthRecord);
      const count = await repository.countBy({model: 'Grant', clientId});
      await repository.delete({clientId});
      await repository.delete({model: 'Client', id: clientId});
      await this.events.emit(
        OAUTH_CLIENT_REMOVED,
        {clientId, grants: count},
        {transaction: manager, actor, subject: clientId.slice(0, 200)},
      );
      return count;
    });
    await this.users.audit.record(actor, {
      action: 'oauth.remove-client',
      target: clientId.slice(0, 200),
      result: 'ok',
      permission: CLIENTS_PERMISSION,
      details: {grants},
    });
    return {clientId, removed: true, grants};
  }

  /**
   * Grants still in force: the actor's own (no permission needed), another user's or everybody's
   * (`all`) with auth:clients.
   */
  async listGrants(actor: Actor, options: {user?: string; all?: boolean} = {}): Promise<GrantView[]> {
    let accountId: string | undefined;
    if (options.all) await this.users.access.authorize(actor, CLIENTS_PERMISSION, 'oauth.list-grants');
    else if (options.user !== undefined)
      accountId = (await this.users.users.findSelfOr(actor, options.user, CLIENTS_PERMISSION, 'oauth.list-grants')).id;
    else if (actor.kind === 'user') accountId = actor.id;
    else
      throw invalidInput(`${actor.label} is not a user: name one with --user, or list every grant with --all`, {
        code: 'OAUTH_USER_REQUIRED',
      });
    const rows = (
      await this.records.find({
        where: accountId ? {model: 'Grant', accountId} : {model: 'Grant'},
        order: {createdAt: 'ASC'},
      })
    ).filter(live);
    const clientNames = new Map<string, string | null>();
    for (const client of await this.records.find({select: {id: true, payload: true}, where: {model: 'Client'}}))
      clientNames.set(client.id, clientNameIn(JSON.parse(client.payload) as object));
    const emails = new Map<string, string>();
    const views: GrantView[] = [];
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as {resources?: Record<string, string>; accountId?: string};
      const owner = row.accountId ?? payload.accountId ?? '';
      if (!emails.has(owner))
        emails.set(owner, (await this.users.users.find(owner).catch(() => undefined))?.email ?? owner);
      views.push({
        id: row.id,
        user: emails.get(owner)!,
        clientId: row.clientId ?? '',
        client: clientNames.get(row.clientId ?? '') ?? null,
        scopes: [...new Set(Object.values(payload.resources ?? {}).flatMap((scope) => scope.split(' ')))]
          .filter(Boolean)
          .sort()
          .join(' '),
        createdAt: iso(row.createdAt)!,
        expiresAt: iso(row.expiresAt),
      });
    }
    return views;
  }

  /**
   * Revokes a grant with every token and code issued under it: /mcp refuses its access tokens at
   * once. One's own grant needs no permission; another user's needs auth:clients (asked before a
   * missing grant is reported, so nobody learns which ids exist).
   */
  async revokeGrant(
    actor: Actor,
    grantId: string,
  ): Promise<{id: string; revoked: true; user: string; clientId: string}> {
    const row = await this.records.findOneBy({model: 'Grant', id: grantId});
    const own = row !== null && actor.kind === 'user' && row.accountId === actor.id;
    if (!own) await this.users.access.authorize(actor, CLIENTS_PERMISSION, 'oauth.revoke-grant', grantId.slice(0, 200));
    if (!row || !live(row))
      throw notFound(`No grant ${JSON.stringify(grantId.slice(0, 100))}`, {
        code: 'OAUTH_GRANT_NOT_FOUND',
        hint: 'See auth:grants.',
      });
    const clientId = row.clientId ?? '';
    const userId = row.accountId ?? '';
    await this.db.transaction(async (manager) => {
      const repository = manager.getRepository(OAuthRecord);
      await repository.delete({grantId});
      await repository.delete({model: 'Grant', id: grantId});
      await this.events.emit(
        OAUTH_GRANT_REVOKED,
        {grantId, clientId, userId},
        {transaction: manager, actor, subject: clientId.slice(0, 200)},
      );
    });
    const user = (await this.users.users.find(userId).catch(() => undefined))?.email ?? userId;
    await this.users.audit.record(actor, {
      action: 'oauth.revoke-grant',
      target: grantId.slice(0, 200),
      result: 'ok',
      permission: own ? null : CLIENTS_PERMISSION,
      details: {user, clientId: clientId.slice(0, 200)},
    });
    return {id: grantId, revoked: true, user, clientId};
  }

  /** Whether a grant is in force: what /mcp asks of every access token of this server. */
  async grantAlive(grantId: string): Promise<boolean> {
    const row = await this.records.findOne({select: {expiresAt: true}, where: {model: 'Grant', id: grantId}});
    return row !== null && live(row);
  }
}
