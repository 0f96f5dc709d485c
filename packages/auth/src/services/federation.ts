import {
  ANONYMOUS,
  SYSTEM_ACTOR,
  isSystemPromptError,
  notFound,
  permissionDenied,
  unavailable,
  type Actor,
  type EventBus,
} from '@systemprompt/core';
import type {SecretBox} from '@systemprompt/core/config';
import type {ModuleDatabase} from '@systemprompt/database';
import {TEXT_LIMITS, auditTarget, checkText, normalizeEmail, type UserRow, type UsersApi} from '@systemprompt/users';
import {Identity, type ProviderRow} from '../entities.js';
import {AUTH_LOGIN} from '../events.js';
import type {LoginResult} from './login.js';
import {listenForCallback} from './loopback-callback.js';
import {ProviderRefusal, SCOPES, connect, groupsOf, redeem, type Claims} from './oidc-exchange.js';
import {groupRolesOf} from './providers.js';

/** A sign-in through an identity provider: the session, as auth:login gives it, and the provider. */
export interface FederatedLoginResult extends LoginResult {
  provider: string;
}

export interface FederatedLoginOptions {
  /** How long to wait for the browser to come back from the provider. */
  timeoutSeconds: number;
  /** Called with the address the user opens to sign in, once the redirect listener is up. */
  onAuthorizationUrl(url: string): void | Promise<void>;
  /** Something the user should know that did not stop the sign-in (a mapped role that no longer exists). */
  onWarning?: ((message: string) => void) | undefined;
}

/** LoginService.openCliSession: opens the CLI session of a user whose identity is established. */
export type OpenCliSession = (user: UserRow, details: {mfa: boolean; provider?: string}) => Promise<LoginResult>;

export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;

/**
 * Sign-in through an OpenID Connect provider (auth:providers:add): the authorization code flow with
 * PKCE (S256), state and nonce, its redirect to a listener on 127.0.0.1 (services/loopback-callback.ts),
 * then the provider's user mapped to a local user, and the CLI session opened as a password sign-in does.
 *
 * Mapping: a stored link (provider, subject) first; else the local user with the email the provider
 * gives, only when it says the email is verified (the link is then stored); else, when the provider
 * has a default role, a new user with that role. Anything else is refused (exit 4) and audited as a
 * failed `auth.login`. At each sign-in the user gets the roles mapped to the groups the provider lists
 * and loses the mapped roles of groups it no longer lists; other roles are never touched. Who added the
 * provider held those roles (ProviderService.add), so the changes are made by the provider as `system`.
 * Signing in needs no permission, as with a password: the provider vouches for who signs in.
 */
export class FederationService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    /** ProviderService.stored: the provider's row (unknown: exit 3). */
    private readonly provider: (name: string) => Promise<ProviderRow>,
    private readonly secrets: SecretBox,
    private readonly openCliSession: OpenCliSession,
    private readonly events: EventBus,
  ) {}

  async login(name: string, options: FederatedLoginOptions): Promise<FederatedLoginResult> {
    const row = await this.provider(name);
    const oidc = await import('openid-client');
    const secret = row.clientSecret === null ? undefined : await this.secrets.decrypt(row.clientSecret);
    const config = await connect(oidc, row, typeof secret === 'string' ? secret : undefined);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const listener = await listenForCallback(state);
    const outcome = {ok: false, message: 'The sign-in did not complete'};
    try {
      // The groups claim's scope, when the provider has one by that name (as Okta's `groups`).
      const supported = config.serverMetadata().scopes_supported ?? [];
      const scope = [...SCOPES, ...(supported.includes(row.groupsClaim) ? [row.groupsClaim] : [])].join(' ');
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: listener.redirectUri,
        scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      await options.onAuthorizationUrl(url.href);
      const callback = await this.awaitCallback(listener.received, row.name, options.timeoutSeconds);
      let claims: Claims;
      try {
        claims = await redeem(oidc, config, row, callback, {state, nonce, verifier});
      } catch (error) {
        if (!(error instanceof ProviderRefusal)) throw error;
        return await this.refuse(row, `provider:${row.name}`, error.reason, error.code, error.message);
      }
      const result = await this.signIn(row, claims, options);
      outcome.ok = true;
      return result;
    } catch (error) {
      outcome.message = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      await listener.finish(outcome);
    }
  }

  private async awaitCallback(received: Promise<URL>, name: string, seconds: number): Promise<URL> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            unavailable(`No answer from identity provider ${name} within ${seconds} s: the sign-in was not finished`, {
              code: 'OIDC_LOGIN_TIMEOUT',
            }),
          ),
        seconds * 1000,
      );
    });
    try {
      return await Promise.race([received, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The local user of the provider's account (linked, found by verified email, or created), its roles, its session. */
  private async signIn(
    row: ProviderRow,
    claims: Claims,
    options: FederatedLoginOptions,
  ): Promise<FederatedLoginResult> {
    const subject = claims.sub;
    let email: string | undefined;
    try {
      email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : undefined;
    } catch {
      email = undefined;
    }
    const verified = claims.email_verified === true;
    const target = email ?? `${row.name}:${subject}`;
    const refusal = {provider: row.name, subject};
    const link = await this.db.repository(Identity).findOneBy({provider: row.name, subject});
    let user: UserRow | undefined = link ? await this.users.users.find(link.userId) : undefined;
    if (!user) {
      if (!email || !verified)
        return this.refuse(
          row,
          target,
          'no verified email',
          'OIDC_EMAIL_UNVERIFIED',
          `Identity provider ${row.name} gives no verified email for this account${email ? ` (${email} is not verified)` : ''}, and it is not linked to a local user`,
          {
            details: refusal,
            hint: 'Verify the email address at the provider, or ask an administrator to create the user and sign in once with a verified email.',
          },
        );
      user =
        (await this.findByEmail(email)) ??
        (row.defaultRole ? await this.create(row, row.defaultRole, email, claims) : undefined);
      if (!user)
        return this.refuse(
          row,
          email,
          'no local user',
          'OIDC_USER_UNKNOWN',
          `No local user for ${email} and provider ${row.name} does not create users`,
          {
            details: refusal,
            hint: 'Ask an administrator to create the user (users:create), or to add the provider with --default-role.',
          },
        );
    }
    if (user.status !== 'enabled')
      return this.refuse(row, user.email, 'user disabled', 'OIDC_USER_DISABLED', `${user.email} is disabled`, {
        details: refusal,
      });
    await this.remember(row, subject, user, email, !link);
    await this.syncRoles(row, user, groupsOf(claims[row.groupsClaim]), options);
    const result = await this.openCliSession(user, {mfa: false, provider: row.name});
    return {...result, provider: row.name};
  }

  private async findByEmail(email: string): Promise<UserRow | undefined> {
    try {
      return await this.users.users.find(email);
    } catch (error) {
      if (isSystemPromptError(error) && error.code === 'USER_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** The provider acting on the users it signs in: the system, named after the provider in the audit log. */
  private actor(row: ProviderRow): Actor {
    return {...SYSTEM_ACTOR, label: `provider:${row.name}`};
  }

  /** A new user with the provider's default role (its groups' roles follow); no password. */
  private async create(row: ProviderRow, role: string, email: string, claims: Claims): Promise<UserRow> {
    if (!(await this.users.roles.exists(role)))
      throw notFound(`Identity provider ${row.name} creates users with the role ${role}, which no longer exists`, {
        code: 'ROLE_NOT_FOUND',
        hint: `Create the role again (auth:role:create ${role}), or add the provider again with another --default-role.`,
      });
    let name: string | undefined;
    try {
      name =
        typeof claims.name === 'string'
          ? checkText(claims.name, {what: 'The name', max: TEXT_LIMITS.userName, code: 'USER_NAME_INVALID'}) ||
            undefined
          : undefined;
    } catch {
      // A name the users module would refuse is left out: the user is created without one.
      name = undefined;
    }
    try {
      await this.users.users.create(this.actor(row), {email, roles: [role], ...(name ? {name} : {})});
      return await this.users.users.find(email);
    } catch (error) {
      // Another sign-in of the same email created the user first.
      if (isSystemPromptError(error) && error.code === 'USER_EXISTS') return this.users.users.find(email);
      throw error;
    }
  }

  /** Stores the link (first sign-in) or refreshes it: the email it last gave and when. */
  private async remember(
    row: ProviderRow,
    subject: string,
    user: UserRow,
    email: string | undefined,
    isNew: boolean,
  ): Promise<void> {
    const repository = this.db.repository(Identity);
    const now = new Date().toISOString();
    if (!isNew) {
      await repository.update({provider: row.name, subject}, {email: email ?? null, lastLoginAt: now});
      return;
    }
    try {
      await repository.insert({
        provider: row.name,
        subject,
        userId: user.id,
        email: email ?? null,
        createdAt: now,
        lastLoginAt: now,
      });
    } catch (error) {
      // Another sign-in of the same account stored the same link first.
      if ((await repository.findOneBy({provider: row.name, subject}))?.userId === user.id) return;
      throw error;
    }
    await this.users.audit.record(this.actor(row), {
      action: 'auth.link-identity',
      target: user.email,
      result: 'ok',
      details: {provider: row.name, subject: auditTarget(subject)},
    });
  }

  /** The mapped roles of the listed groups given, the mapped roles of the others taken; the rest untouched. */
  private async syncRoles(
    row: ProviderRow,
    user: UserRow,
    groups: readonly string[],
    options: FederatedLoginOptions,
  ): Promise<void> {
    const pairs = groupRolesOf(row);
    if (pairs.length === 0) return;
    const listed = new Set(groups);
    const wanted = new Set(pairs.filter(([group]) => listed.has(group)).map(([, role]) => role));
    const held = new Set(await this.users.users.roleNames(user.id));
    const removeRoles = [...new Set(pairs.map(([, role]) => role))].filter(
      (role) => !wanted.has(role) && held.has(role),
    );
    const addRoles: string[] = [];
    for (const role of wanted) {
      if (held.has(role)) continue;
      if (await this.users.roles.exists(role)) addRoles.push(role);
      else
        options.onWarning?.(
          `Identity provider ${row.name} maps a group of ${user.email} to the role ${role}, which no longer exists: not given.`,
        );
    }
    if (addRoles.length === 0 && removeRoles.length === 0) return;
    await this.users.users.update(this.actor(row), user.id, {addRoles, removeRoles});
  }

  /** A refused sign-in: audited as a failed auth.login of `target`, announced, and thrown (exit 4). */
  private async refuse(
    row: ProviderRow,
    target: string,
    reason: string,
    code: string,
    message: string,
    extra: {details?: Record<string, unknown>; hint?: string} = {},
  ): Promise<never> {
    const shown = auditTarget(target) ?? target;
    await this.users.audit.record(ANONYMOUS, {
      action: 'auth.login',
      target: shown,
      result: 'failed',
      details: {provider: row.name, reason, ...extra.details},
    });
    await this.events.emit(AUTH_LOGIN, {email: shown, ok: false, reason}, {actor: ANONYMOUS, subject: shown});
    throw permissionDenied(message, {code, ...(extra.hint ? {hint: extra.hint} : {})});
  }
}
