import {EntitySchema} from '@systemprompt/database/schema';

/** One sign-in attempt; failures within auth.loginLockMinutes lock the email. */
export interface LoginAttemptRow {
  id: number;
  email: string;
  at: string;
  /**
   * `ok`, `failed` (wrong password or code), `locked` (refused without checking), or `checking`: taken
   * before the password is checked and counted as a failure until then (services/login.ts).
   */
  result: 'ok' | 'failed' | 'locked' | 'checking';
}

/** The public half of a signing key; the private half is a file in `<config>/keys`. */
export interface SigningKeyRow {
  kid: string;
  alg: 'EdDSA' | 'RS256';
  /** The public JWK as JSON. */
  publicJwk: string;
  status: 'active' | 'verify-only' | 'retired';
  createdAt: string;
  retiredAt: string | null;
}

/** A user's TOTP secret, encrypted with the installation key; `pending` until a code proves it. */
export interface MfaRow {
  userId: string;
  secret: string;
  status: 'pending' | 'active';
  /** The last 30-second step whose code was accepted: a code is good once. */
  lastStep: number | null;
  createdAt: string;
  activatedAt: string | null;
}

/** An OpenID Connect identity provider; the client secret is encrypted (or null for public clients). */
export interface ProviderRow {
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  createdAt: string;
  updatedAt: string;
  /** The role of users this provider creates; null: it creates none (only known users sign in). */
  defaultRole: string | null;
  /** The ID token claim that lists the user's groups. */
  groupsClaim: string;
  /** JSON: `[[group, role], ...]`, the roles that members of each group get (services/federation.ts). */
  groupRoles: string | null;
}

const varchar = (length: number, extra: Record<string, unknown> = {}) => ({type: 'varchar' as const, length, ...extra});

export const LoginAttempt = new EntitySchema<LoginAttemptRow>({
  name: 'AuthLoginAttempt',
  tableName: 'auth_login_attempts',
  columns: {
    id: {type: 'integer', primary: true, generated: 'increment'},
    email: varchar(254),
    at: varchar(32),
    result: varchar(16),
  },
});

export const SigningKey = new EntitySchema<SigningKeyRow>({
  name: 'AuthSigningKey',
  tableName: 'auth_signing_keys',
  columns: {
    kid: {...varchar(64), primary: true},
    alg: varchar(16),
    publicJwk: {type: 'text', name: 'public_jwk'},
    status: varchar(16),
    createdAt: varchar(32, {name: 'created_at'}),
    retiredAt: varchar(32, {name: 'retired_at', nullable: true}),
  },
});

export const Mfa = new EntitySchema<MfaRow>({
  name: 'AuthMfa',
  tableName: 'auth_mfa',
  columns: {
    userId: {...varchar(36, {name: 'user_id'}), primary: true},
    secret: {type: 'text'},
    status: varchar(16),
    lastStep: {type: 'integer', name: 'last_step', nullable: true},
    createdAt: varchar(32, {name: 'created_at'}),
    activatedAt: varchar(32, {name: 'activated_at', nullable: true}),
  },
});

export const Provider = new EntitySchema<ProviderRow>({
  name: 'AuthProvider',
  tableName: 'auth_providers',
  columns: {
    name: {...varchar(64), primary: true},
    issuer: varchar(500),
    clientId: varchar(255, {name: 'client_id'}),
    clientSecret: {type: 'text', name: 'client_secret', nullable: true},
    createdAt: varchar(32, {name: 'created_at'}),
    updatedAt: varchar(32, {name: 'updated_at'}),
    defaultRole: varchar(64, {name: 'default_role', nullable: true}),
    groupsClaim: varchar(200, {name: 'groups_claim', default: 'groups'}),
    groupRoles: {type: 'text', name: 'group_roles', nullable: true},
  },
});

/** A local user's identity at a provider: the provider's `sub` for them, found again at every sign-in. */
export interface IdentityRow {
  provider: string;
  subject: string;
  userId: string;
  /** The email the provider gave at the last sign-in, if any. */
  email: string | null;
  createdAt: string;
  lastLoginAt: string | null;
}

export const Identity = new EntitySchema<IdentityRow>({
  name: 'AuthIdentity',
  tableName: 'auth_identities',
  columns: {
    provider: {...varchar(64), primary: true},
    subject: {...varchar(255), primary: true},
    userId: varchar(36, {name: 'user_id'}),
    email: varchar(254, {nullable: true}),
    createdAt: varchar(32, {name: 'created_at'}),
    lastLoginAt: varchar(32, {name: 'last_login_at', nullable: true}),
  },
});

export const AUTH_ENTITIES = [LoginAttempt, SigningKey, Mfa, Provider, Identity];
