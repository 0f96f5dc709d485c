import {join} from 'node:path';
import {BaseModule, packageVersionOf, type Actor, type IdentityProvider, type ModuleContext} from '@systemprompt/core';
import {SecretBox} from '@systemprompt/core/config';
import {DATABASE} from '@systemprompt/database';
import {USERS, type UsersApi} from '@systemprompt/users';
import {resolveConfig, type ResolvedAuthConfig} from './config.js';
import {AUTH_ENTITIES} from './entities.js';
import type {AuthConfig} from './generated/config.js';
import {IdentityService} from './services/identity.js';
import {SigningKeyService} from './services/keys.js';
import {LoginService} from './services/login.js';
import {MaintenanceService} from './services/maintenance.js';
import {MfaService} from './services/mfa.js';
import {ProviderService} from './services/providers.js';
import {FederationService} from './services/federation.js';
import {SESSION_FILE} from './services/session-file.js';
import {TokenService} from './services/tokens.js';
import {API} from '@systemprompt/api';

export {IdentityService, requireUser, type ApiKeyVerifier} from './services/identity.js';
export {LoginService, type LoginInput, type LoginResult, type LockState} from './services/login.js';
export {MfaService, type MfaStatus, type MfaEnrollment} from './services/mfa.js';
export {SigningKeyService, KEY_ALGORITHMS, type KeyAlgorithm, type SigningKeyView, type Jwks} from './services/keys.js';
export {
  TokenService,
  TOKEN_ISSUER,
  type IssuedToken,
  type TokenRequest,
  type TrustedIssuer,
} from './services/tokens.js';
export {ProviderService, PROVIDER_FIELDS, type ProviderView, type DiscoveryReport} from './services/providers.js';
export {MaintenanceService, type AuthStatistics, type CleanResult} from './services/maintenance.js';
export type {ResolvedAuthConfig} from './config.js';
export type {LoginAttemptRow, SigningKeyRow, MfaRow, ProviderRow} from './entities.js';
export {FederationService, type FederatedLoginResult, type FederatedLoginOptions} from './services/federation.js';
export type {IdentityRow} from './entities.js';

/**
 * What the auth module publishes: it is the `identity` provider of the kernel (who runs a CLI
 * command) and verifies the tokens it signs, for the server.
 */
export interface AuthApi extends IdentityProvider {
  config: ResolvedAuthConfig;
  /** `<config>/session.json`. */
  sessionFile: string;
  users: UsersApi;
  identity: IdentityService;
  login: LoginService;
  mfa: MfaService;
  keys: SigningKeyService;
  tokens: TokenService;
  providers: ProviderService;
  /** Sign-in through an identity provider (auth:login --provider). */
  federation: FederationService;
  maintenance: MaintenanceService;
  /** The actor of a token from auth:token (via `token`, scopes from its claim); exit 4 when it is not valid. */
  verifyToken(jwt: string): Promise<Actor>;
}

export class AuthModule extends BaseModule<AuthConfig> {
  readonly name = 'auth';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext<AuthConfig>): Promise<void> {
    await super.initialize(context);
    const database = context.services.get(DATABASE);
    const db = await database.forModule(context, AUTH_ENTITIES);
    const users = context.services.get(USERS);
    const config = resolveConfig(context.config, database.engine);
    const secrets = new SecretBox(context.systemPaths.config);
    const sessionFile = join(context.systemPaths.config, SESSION_FILE);
    // The api module's service is looked up only when SYSTEMPROMPT_API_KEY is used.
    const identity = new IdentityService(users, () => context.services.get(API), sessionFile, config.localTrust);
    const mfa = new MfaService(db, secrets, users);
    const keys = new SigningKeyService(db, users, join(context.systemPaths.config, 'keys'), context.events);
    const tokens = new TokenService(users, keys, config);
    context.metrics.gauge({
      name: 'sign_in_failures_recent',
      help: 'Refused sign-ins of every process (CLI and servers) within the last loginLockMinutes, counted at each scrape.',
      collect: async (gauge) => {
        const since = new Date(Date.now() - config.loginLockMinutes * 60_000).toISOString();
        const [row] = await db.manager.query<Array<{n: number | string}>>(
          "SELECT COUNT(*) AS n FROM auth_login_attempts WHERE result IN ('failed', 'locked') AND at >= ?",
          [since],
        );
        gauge.set(undefined, Number(row?.n ?? 0));
      },
    });
    const api: AuthApi = {
      config,
      sessionFile,
      users,
      identity,
      login: new LoginService(
        db,
        users,
        mfa,
        config,
        sessionFile,
        context.events,
        context.metrics.counter({
          name: 'sign_in_failures_total',
          help: 'Refused sign-ins made in this process, by reason (wrong password, locked, MFA code...).',
          labelNames: ['reason'],
        }),
      ),
      mfa,
      keys,
      tokens,
      providers: new ProviderService(db, users, secrets, context.events),
      federation: new FederationService(
        db,
        users,
        (name) => api.providers.stored(name),
        secrets,
        (user, details) => api.login.openCliSession(user, details),
        context.events,
      ),
      maintenance: new MaintenanceService(db, users, config, secrets),
      resolveCliActor: (input) => identity.resolveCliActor(input),
      verifyToken: (jwt) => tokens.verify(jwt),
    };
    context.provide(api);
  }
}

export default (): AuthModule => new AuthModule();
export {AUTH} from './token.js';
export * from './events.js';
