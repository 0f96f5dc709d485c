import {randomUUID} from 'node:crypto';
import {invalidInput, isPermission, permissionDenied, type Actor} from '@systemprompt/core';
import type {UsersApi} from '@systemprompt/users';
import type {ResolvedAuthConfig} from '../config.js';
import {requireUser} from './identity.js';
import type {SigningKeyService} from './keys.js';

export const TOKEN_ISSUER = 'systemprompt';
export const MAX_TOKEN_MINUTES = 525_600;

export interface TokenRequest {
  scopes?: string[] | undefined;
  expiresInMinutes?: number | undefined;
  /** Another user (id or email); needs auth:tokens. */
  user?: string | undefined;
}

export interface IssuedToken {
  /** The JWT: shown once, never stored. */
  token: string;
  user: string;
  scopes: string[];
  expiresAt: string;
  kid: string;
  jti: string;
}

const jose = () => import('jose');

/**
 * Other issuers whose access tokens this installation accepts: an authorization server signing with
 * the same keys (the OAuth module's, for MCP clients), whose tokens must name the audience it gives.
 */
export interface TrustedIssuer {
  /** The audience a token of `issuer` must name, or undefined when this does not vouch for `issuer`. */
  audienceFor(issuer: string): string | undefined;
  /** After the signature and claims check out: why the token is no longer good (a revoked grant), or undefined. */
  check?(payload: Record<string, unknown>): Promise<string | undefined>;
}

const invalidToken = (reason: string) =>
  permissionDenied(`The token is not valid: ${reason}`, {
    code: 'TOKEN_INVALID',
    hint: 'Get a new one with auth:token.',
  });

/**
 * Signed tokens (JWT) for the HTTP API and MCP: `sub` the user id, `email`, `scope` (the
 * permissions, space-separated, never beyond what the user holds), `iss` systemprompt, `iat`,
 * `exp` and `jti`; the header names the key (`kid`) and its `alg`.
 */
export class TokenService {
  private readonly trusted = new Set<TrustedIssuer>();

  constructor(
    private readonly users: UsersApi,
    private readonly keys: SigningKeyService,
    private readonly config: ResolvedAuthConfig,
  ) {}

  /**
   * Issues a token for the actor, or for another user (auth:tokens, checked before the user is
   * looked up). A token carries only permissions its user holds; one for someone else also only
   * permissions the issuer holds (the escalation rule: whoever holds the token acts with them).
   */
  async issue(actor: Actor, request: TokenRequest): Promise<IssuedToken> {
    let target;
    if (request.user !== undefined)
      target = await this.users.users.findSelfOr(actor, request.user, 'auth:tokens', 'auth.issue-token');
    else if (actor.kind === 'user') target = await this.users.users.find(actor.id);
    else {
      // Nobody signed in is refused as such (exit 4), not asked for a --user.
      if (actor.kind === 'anonymous') requireUser(actor, 'auth:token');
      throw invalidInput(`${actor.label} is not a user: name the user the token is for with --user`, {
        code: 'TOKEN_USER_REQUIRED',
      });
    }
    const minutes = request.expiresInMinutes ?? this.config.tokenTtlMinutes;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TOKEN_MINUTES)
      throw invalidInput(`--expires-in must be 1 to ${MAX_TOKEN_MINUTES} minutes`, {code: 'TOKEN_EXPIRY_INVALID'});
    for (const scope of request.scopes ?? [])
      if (scope.length > 130 || !isPermission(scope))
        throw invalidInput(
          `${JSON.stringify(scope.slice(0, 130))} is not a permission (resource:action, resource:*, *:action or *)`,
          {code: 'PERMISSION_INVALID'},
        );
    const self = actor.kind === 'user' && actor.id === target.id;
    if (target.status !== 'enabled') throw invalidInput(`${target.email} is disabled`, {code: 'USER_DISABLED'});

    // Default: what the user holds now (within the scopes of the credential used, for one's own token).
    const held = [
      ...new Set((await this.users.access.holdings(target.id)).map((holding) => holding.permission)),
    ].sort();
    const scopes = [...new Set(request.scopes ?? (self && actor.scopes ? actor.scopes : held))];
    if (scopes.length === 0)
      throw invalidInput(`${target.email} holds no permission to put in a token`, {
        code: 'TOKEN_NO_SCOPE',
        hint: 'Give the user a role first (users:update --add-role).',
      });
    for (const scope of scopes) {
      const decision = self
        ? await this.users.access.decide(actor, scope)
        : await this.users.access.decideForUser(target.id, scope);
      if (!decision.allowed) {
        await this.users.audit.record(actor, {
          action: 'auth.issue-token',
          target: target.email,
          result: 'denied',
          permission: scope,
          details: {reason: decision.path},
        });
        throw permissionDenied(`A token for ${target.email} cannot carry ${scope}: ${decision.path}`, {
          code: 'TOKEN_SCOPE_NOT_HELD',
          details: {scope},
          hint: 'A token carries only permissions its user holds; see auth:whoami.',
        });
      }
    }
    if (!self) await this.users.access.assertCanGrant(actor, scopes, 'auth.issue-token', target.email);

    const {kid, alg, key} = await this.keys.signingKey();
    const {SignJWT} = await jose();
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + minutes * 60;
    const jti = randomUUID();
    const token = await new SignJWT({email: target.email, scope: scopes.join(' ')})
      .setProtectedHeader({alg, kid, typ: 'JWT'})
      .setSubject(target.id)
      .setIssuer(TOKEN_ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(jti)
      .sign(key);
    const expires = new Date(expiresAt * 1000).toISOString();
    await this.users.audit.record(actor, {
      action: 'auth.issue-token',
      target: target.email,
      result: 'ok',
      permission: self ? null : 'auth:tokens',
      details: {jti, kid, scopes, expiresAt: expires},
    });
    return {token, user: target.email, scopes, expiresAt: expires, kid, jti};
  }

  /** Accepts the access tokens of another issuer from now on; returns the function that stops it. */
  trust(issuer: TrustedIssuer): () => void {
    this.trusted.add(issuer);
    return () => void this.trusted.delete(issuer);
  }

  /**
   * The actor of a token: signed by a key that is not retired, not expired, its user enabled; issued
   * by auth:token, or by a trusted issuer for its audience (and still good by its check).
   */
  async verify(jwt: string): Promise<Actor> {
    const {createLocalJWKSet, jwtVerify, errors} = await jose();
    let payload;
    let header;
    try {
      ({payload, protectedHeader: header} = await jwtVerify(jwt, createLocalJWKSet(await this.keys.jwks()), {
        algorithms: ['EdDSA', 'RS256'],
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw invalidToken('it has expired');
      if (error instanceof errors.JWKSNoMatchingKey) throw invalidToken('its signing key is unknown or retired');
      if (error instanceof errors.JWSSignatureVerificationFailed) throw invalidToken('the signature does not match');
      throw invalidToken(error instanceof errors.JOSEError ? error.code : 'it cannot be read');
    }
    if (payload.iss !== TOKEN_ISSUER) {
      const issuer = String(payload.iss ?? '');
      const [trusted, audience] = [...this.trusted]
        .map((candidate) => [candidate, candidate.audienceFor(issuer)] as const)
        .find(([, found]) => found !== undefined) ?? [undefined, undefined];
      if (!trusted || !audience) throw invalidToken('its issuer is not trusted here');
      // An ID token of the same issuer is signed by the same keys: only an access token (RFC 9068) passes.
      if (header.typ?.toLowerCase() !== 'at+jwt') throw invalidToken('it is not an access token');
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(audience)) throw invalidToken(`it is not meant for ${audience}`);
      const reason = await trusted.check?.(payload);
      if (reason) throw invalidToken(reason);
    }
    const user = await this.users.users.find(String(payload.sub)).catch(() => undefined);
    if (!user) throw invalidToken('its user no longer exists');
    if (user.status !== 'enabled') throw invalidToken('its user is disabled');
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return {
      kind: 'user',
      id: user.id,
      label: user.email,
      via: 'token',
      scopes,
      ...(payload.jti ? {credentialId: payload.jti} : {}),
    };
  }
}
