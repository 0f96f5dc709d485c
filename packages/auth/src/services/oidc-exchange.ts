import {invalidInput, unavailable} from '@systemprompt/core';
import type * as OpenIdClient from 'openid-client';
import type {ProviderRow} from '../entities.js';
import {DEFAULT_DISCOVERY_TIMEOUT_MS} from './providers.js';

// The protocol half of sign-in through an identity provider (services/federation.ts): discovery, the
// client, and the provider's answer checked and read. openid-client is passed in, imported by the
// caller only when a sign-in runs.

/** The claims sign-in reads: the ID token's, completed from the userinfo endpoint when it lacks some. */
export type Claims = Record<string, unknown> & {sub: string};

/** The provider refused the sign-in, or its answer does not verify: exit 4, audited by the caller. */
export class ProviderRefusal extends Error {
  readonly code: 'OIDC_LOGIN_DENIED' | 'OIDC_EXCHANGE_FAILED';
  /** For the audit record. */
  readonly reason: string;

  constructor(refusal: {code: ProviderRefusal['code']; reason: string; message: string}) {
    super(refusal.message);
    this.code = refusal.code;
    this.reason = refusal.reason;
  }
}

export const SCOPES = ['openid', 'email', 'profile'];
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** `groups` as providers give it: an array of strings, or one space-separated string. */
export function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  return [];
}

/** Why a request to the provider failed: the network's code, or the error's message. */
function networkFailure(error: unknown): {timeout: boolean; reason: string} | undefined {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return {timeout: true, reason: 'time-out'};
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as {cause?: {code?: unknown; message?: unknown}}).cause;
    return {
      timeout: false,
      reason:
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error.message,
    };
  }
  return undefined;
}

/** What went wrong in the provider's answer, in one line (its `error` and description, or the check that failed). */
function explain(error: unknown): string {
  const body = error as {error?: unknown; error_description?: unknown; cause?: unknown};
  const oauthError = (fields: {error?: unknown; error_description?: unknown}) =>
    typeof fields.error === 'string'
      ? `${fields.error}${typeof fields.error_description === 'string' ? ` (${fields.error_description})` : ''}`
      : undefined;
  // A token endpoint error in the body, or in a WWW-Authenticate challenge (as for a wrong client secret).
  const challenge = Array.isArray(body.cause)
    ? (body.cause as Array<{parameters?: {error?: unknown; error_description?: unknown}}>).find((item) =>
        oauthError(item.parameters ?? {}),
      )
    : undefined;
  const answered = oauthError(body) ?? oauthError(challenge?.parameters ?? {});
  if (answered) return answered;
  const message = error instanceof Error ? error.message : String(error);
  const cause = body.cause instanceof Error ? body.cause.message : undefined;
  return cause && cause !== message ? `${message}: ${cause}` : message;
}

/**
 * Discovery of the issuer (https, or http on this machine only) and the client: confidential with
 * `secret` (the decrypted client secret), else public.
 */
export async function connect(
  oidc: typeof OpenIdClient,
  row: ProviderRow,
  secret: string | undefined,
): Promise<OpenIdClient.Configuration> {
  const issuer = new URL(row.issuer);
  const insecure = issuer.protocol === 'http:';
  if (insecure && !LOOPBACK_HOSTS.test(issuer.hostname))
    throw invalidInput(`Identity provider ${row.name} has the http issuer ${row.issuer}: sign-in needs https`, {
      code: 'OIDC_ISSUER_INSECURE',
      hint: `Only an issuer on this machine (127.0.0.1, localhost) may use http; remove the provider (auth:providers:remove ${row.name}) and add it with its https issuer.`,
    });
  const execute = insecure ? [oidc.allowInsecureRequests] : [];
  let metadata: OpenIdClient.ServerMetadata;
  try {
    const discovered = await oidc.discovery(issuer, row.clientId, undefined, oidc.None(), {
      execute,
      timeout: DEFAULT_DISCOVERY_TIMEOUT_MS / 1000,
    });
    metadata = discovered.serverMetadata();
  } catch (error) {
    throw discoveryError(row, error);
  }
  let auth: OpenIdClient.ClientAuth = oidc.None();
  if (secret !== undefined) {
    // client_secret_basic is the default of OpenID Connect; _post only for providers that offer no other.
    const methods = metadata.token_endpoint_auth_methods_supported;
    auth =
      methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
        ? oidc.ClientSecretPost(secret)
        : oidc.ClientSecretBasic(secret);
  }
  const config = new oidc.Configuration(metadata, row.clientId, undefined, auth);
  config.timeout = DEFAULT_DISCOVERY_TIMEOUT_MS / 1000;
  for (const step of execute) step(config);
  return config;
}

/** A discovery that failed, with the codes of auth:providers:test (exit 6). */
function discoveryError(row: ProviderRow, error: unknown): Error {
  const url = `${row.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const failure = networkFailure(error);
  const check = `Check it with auth:providers:test ${row.name}.`;
  if (failure?.timeout)
    return unavailable(`Provider "${row.name}": no answer from ${url} in time`, {
      code: 'PROVIDER_TIMEOUT',
      hint: check,
    });
  if (failure)
    return unavailable(`Provider "${row.name}": ${url} cannot be reached (${failure.reason})`, {
      code: 'PROVIDER_UNREACHABLE',
      hint: check,
    });
  if ((error as {code?: unknown}).code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
    return unavailable(`Provider "${row.name}": the discovery document names another issuer than ${row.issuer}`, {
      code: 'PROVIDER_ISSUER_MISMATCH',
      hint: check,
    });
  return unavailable(`Provider "${row.name}": the discovery document at ${url} is not usable (${explain(error)})`, {
    code: 'PROVIDER_BAD_RESPONSE',
    hint: check,
  });
}

/** A request after the callback that failed: the network (exit 6), or an answer that does not verify. */
function unverified(row: ProviderRow, error: unknown): Error {
  const failure = networkFailure(error);
  if (failure)
    return unavailable(`Identity provider ${row.name} cannot be reached (${failure.reason})`, {
      code: failure.timeout ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNREACHABLE',
      hint: `Check it with auth:providers:test ${row.name}.`,
    });
  return new ProviderRefusal({
    code: 'OIDC_EXCHANGE_FAILED',
    reason: 'the answer could not be verified',
    message: `The answer of identity provider ${row.name} could not be verified: ${explain(error).slice(0, 300)}`,
  });
}

/**
 * The provider's answer at the callback: its error (ProviderRefusal), or the code exchanged and checked
 * by openid-client (state, `iss`, PKCE, the ID token's signature, audience, nonce and times), and the
 * claims, completed from userinfo when the ID token lacks the email or the groups claim.
 */
export async function redeem(
  oidc: typeof OpenIdClient,
  config: OpenIdClient.Configuration,
  row: ProviderRow,
  callback: URL,
  checks: {state: string; nonce: string; verifier: string},
): Promise<Claims> {
  const error = callback.searchParams.get('error');
  if (error) {
    const description = callback.searchParams.get('error_description');
    throw new ProviderRefusal({
      code: 'OIDC_LOGIN_DENIED',
      reason: `the provider answered ${error.slice(0, 100)}`,
      message: `Identity provider ${row.name} did not sign you in: ${error.slice(0, 100)}${description ? ` (${description.slice(0, 300)})` : ''}`,
    });
  }
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  let idToken: OpenIdClient.IDToken | undefined;
  try {
    tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: checks.verifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    idToken = tokens.claims();
  } catch (caught) {
    throw unverified(row, caught);
  }
  if (!idToken) throw unverified(row, new Error('the token response has no ID token'));
  // OpenID Connect Core 2: at most 255 ASCII characters, which is what auth_identities keeps.
  if (idToken.sub.length > 255) throw unverified(row, new Error("the ID token's sub is longer than 255 characters"));
  const claims: Claims = {...idToken, sub: idToken.sub};
  // Providers that follow OpenID Connect Core 5.4 to the letter put the claims of the scopes in the
  // userinfo response only, when an access token is issued.
  const lacking = ['email', row.groupsClaim].some((key) => claims[key] === undefined);
  if (lacking && tokens.access_token && config.serverMetadata().userinfo_endpoint) {
    try {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
      for (const key of ['email', 'email_verified', 'name', row.groupsClaim])
        if (claims[key] === undefined && info[key] !== undefined) claims[key] = info[key];
    } catch (caught) {
      throw unverified(row, caught);
    }
  }
  return claims;
}
