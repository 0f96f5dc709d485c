import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The auth module's error codes (sign-in, sessions, tokens, two-factor sign-in, signing keys, identity providers). */
export default defineErrorCodes({
  NOT_SIGNED_IN: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The command needs a signed-in user.',
    hint: 'Sign in with auth:login.',
  },
  LOGIN_CREDENTIALS_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'Without a terminal, auth:login needs --email and the password on standard input (--password-stdin).',
  },
  LOGIN_FAILED: {exit: ExitCode.PermissionDenied, meaning: 'Wrong email or password, or the user is disabled.'},
  LOGIN_LOCKED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'Too many failed sign-ins: sign-in for that email is locked for a while.',
    hint: 'Try again after the time the message gives.',
  },
  SESSION_EXPIRED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The session has expired or was revoked.',
    hint: 'Sign in again with auth:login (or auth:logout to remove the session file).',
  },
  SESSION_FILE_INVALID: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The session file is not a session file.',
    hint: 'Sign in again with auth:login, or remove the file with auth:logout.',
  },
  API_KEY_INVALID: {
    exit: ExitCode.PermissionDenied,
    meaning: 'SYSTEMPROMPT_API_KEY is not a valid API key: revoked, expired or mistyped.',
    hint: 'Unset SYSTEMPROMPT_API_KEY to use your session instead.',
  },
  USER_DISABLED: {exit: ExitCode.InvalidInput, meaning: 'The user is disabled, so no token is issued for them.'},
  TOKEN_INVALID: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The token is not valid: malformed, expired, or signed by a key this host does not trust.',
    hint: 'Get a new one with auth:token.',
  },
  TOKEN_USER_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'The actor is not a user: name the user the token is for with --user.',
  },
  TOKEN_EXPIRY_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--expires-in is not a whole number of minutes in range.',
  },
  TOKEN_NO_SCOPE: {
    exit: ExitCode.InvalidInput,
    meaning: 'The user holds no permission to put in a token.',
    hint: 'Give the user a role first (users:update --add-role).',
  },
  TOKEN_SCOPE_NOT_HELD: {
    exit: ExitCode.PermissionDenied,
    meaning: 'A token carries only permissions its user holds.',
    hint: 'See auth:whoami.',
  },
  MFA_CODE_FORMAT: {
    exit: ExitCode.InvalidInput,
    meaning: 'A two-factor code is the 6 digits the authenticator app shows.',
  },
  MFA_CODE_REQUIRED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'Two-factor sign-in is on: the action needs a current code.',
    hint: 'Add --code with the 6 digits your app shows.',
  },
  MFA_CODE_INVALID: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The two-factor code is wrong, or was already used.',
    hint: 'Enter the code your app shows now; check that the clocks of this machine and the phone are right.',
  },
  MFA_NOT_ENROLLED: {
    exit: ExitCode.InvalidInput,
    meaning: 'Two-factor sign-in is not set up for the user.',
    hint: 'Start with auth:mfa:enroll.',
  },
  MFA_ACTIVE: {
    exit: ExitCode.Conflict,
    meaning: 'Two-factor sign-in is already on for the user.',
    hint: 'To move to a new device, turn it off first with auth:mfa:disable.',
  },
  KEY_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No signing key has that key id.',
    hint: 'See auth:generatekey --list.',
  },
  KEY_RETIRED: {exit: ExitCode.Conflict, meaning: 'The signing key is already retired.'},
  KEY_ALG_INVALID: {exit: ExitCode.InvalidInput, meaning: '--alg is not a supported signing algorithm.'},
  NO_SIGNING_KEY: {
    exit: ExitCode.Unavailable,
    meaning: 'There is no active signing key to sign tokens with.',
    hint: 'Generate one with auth:generatekey.',
  },
  SIGNING_KEY_MISSING: {
    exit: ExitCode.Unavailable,
    meaning: "The signing key's private key is not on this host.",
    hint: 'Copy it from the host that generated it, or generate a new key with auth:generatekey.',
  },
  SECRETS_UNREADABLE: {
    exit: ExitCode.Unavailable,
    meaning: "Stored secrets cannot be decrypted with this host's secret key.",
    hint: 'Hosts that share a database need the same secret key.',
  },
  PROVIDER_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No identity provider has that name.',
    hint: 'See auth:providers.',
  },
  PROVIDER_EXISTS: {exit: ExitCode.Conflict, meaning: 'An identity provider with that name already exists.'},
  PROVIDER_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a provider name (lower-case letters, digits and dashes, up to 64).',
  },
  PROVIDER_ISSUER_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--issuer is not an http(s) URL without credentials, query or fragment.',
  },
  PROVIDER_CLIENT_ID_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--client-id is not 1 to 255 characters without spaces.',
  },
  PROVIDER_TIMEOUT: {
    exit: ExitCode.Unavailable,
    meaning: "The identity provider's discovery document did not come in time.",
    hint: 'Check the issuer URL and the network, or raise --timeout.',
  },
  PROVIDER_UNREACHABLE: {exit: ExitCode.Unavailable, meaning: "The identity provider's issuer URL cannot be reached."},
  PROVIDER_BAD_RESPONSE: {
    exit: ExitCode.Unavailable,
    meaning: 'The identity provider did not answer with a JSON discovery document.',
    hint: 'The issuer URL is the URL before /.well-known/openid-configuration.',
  },
  PROVIDER_ISSUER_MISMATCH: {
    exit: ExitCode.Unavailable,
    meaning: 'The discovery document names another issuer than the one configured.',
  },
  PROVIDER_DISCOVERY_INCOMPLETE: {
    exit: ExitCode.Unavailable,
    meaning: 'The discovery document lacks the authorization, token or JWKS endpoint.',
  },
  PROVIDER_GROUPS_CLAIM_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--groups-claim is not a claim name (1 to 200 characters without spaces).',
  },
  PROVIDER_GROUP_MAP_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--map-group is not GROUP=ROLE (a group of 1 to 255 characters, a role name).',
  },
  OIDC_ISSUER_INSECURE: {
    exit: ExitCode.InvalidInput,
    meaning: "The provider's issuer is an http URL on another host than this one: sign-in needs https.",
    hint: 'Remove the provider and add it with its https issuer.',
  },
  OIDC_CALLBACK_UNAVAILABLE: {
    exit: ExitCode.Unavailable,
    meaning: "The sign-in cannot listen for the provider's answer on 127.0.0.1.",
  },
  OIDC_LOGIN_TIMEOUT: {
    exit: ExitCode.Unavailable,
    meaning: 'The browser did not come back from the identity provider within --timeout.',
  },
  OIDC_LOGIN_DENIED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The identity provider did not sign the user in (it answered with an error, e.g. access_denied).',
  },
  OIDC_EXCHANGE_FAILED: {
    exit: ExitCode.PermissionDenied,
    meaning: "The identity provider's answer could not be verified: the code exchange or the ID token check failed.",
  },
  OIDC_EMAIL_UNVERIFIED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The provider gives no verified email for the account, and the account is not linked to a local user.',
    hint: 'Verify the email address at the provider, or ask an administrator to create the user.',
  },
  OIDC_USER_UNKNOWN: {
    exit: ExitCode.PermissionDenied,
    meaning: 'No local user has the email the provider gives, and the provider does not create users.',
    hint: 'Ask an administrator to create the user (users:create), or to add the provider with --default-role.',
  },
  OIDC_USER_DISABLED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The local user the provider signs in is disabled.',
  },
});
