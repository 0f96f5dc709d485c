import {EntitySchema} from '@systemprompt/database/schema';

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  status: 'enabled' | 'disabled';
  passwordHash: string | null;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export interface RoleRow {
  name: string;
  description: string;
  builtin: boolean;
  createdAt: string;
}

export interface SessionRow {
  id: string;
  userId: string;
  tokenHash: string;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  actorId: string;
  actor: string;
  action: string;
  target: string | null;
  result: 'ok' | 'denied' | 'failed';
  permission: string | null;
  details: string | null;
  /** Position in the hash chain: 1, 2, 3, ... with no gaps (null: written outside the chain). */
  seq: number | null;
  /** The hash of record seq - 1 (64 zeros for the first). */
  prevHash: string | null;
  /** SHA-256 over prevHash and this record's fields (services/audit-chain.ts). */
  hash: string | null;
}

const varchar = (length: number, extra: Record<string, unknown> = {}) => ({type: 'varchar' as const, length, ...extra});

export const User = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: {...varchar(36), primary: true},
    email: varchar(254, {unique: true}),
    name: varchar(200, {nullable: true}),
    status: varchar(16),
    passwordHash: varchar(255, {name: 'password_hash', nullable: true}),
    createdAt: varchar(32, {name: 'created_at'}),
    updatedAt: varchar(32, {name: 'updated_at'}),
    lastLoginAt: varchar(32, {name: 'last_login_at', nullable: true}),
  },
});

export const Role = new EntitySchema<RoleRow>({
  name: 'Role',
  tableName: 'users_roles',
  columns: {
    name: {...varchar(64), primary: true},
    description: varchar(300),
    builtin: {type: 'boolean', default: false},
    createdAt: varchar(32, {name: 'created_at'}),
  },
});

export const RolePermission = new EntitySchema<{role: string; permission: string}>({
  name: 'RolePermission',
  tableName: 'users_role_permissions',
  columns: {role: {...varchar(64), primary: true}, permission: {...varchar(130), primary: true}},
});

export const Membership = new EntitySchema<{userId: string; role: string}>({
  name: 'Membership',
  tableName: 'users_memberships',
  columns: {userId: {...varchar(36, {name: 'user_id'}), primary: true}, role: {...varchar(64), primary: true}},
});

export const Grant = new EntitySchema<{userId: string; permission: string}>({
  name: 'Grant',
  tableName: 'users_grants',
  columns: {userId: {...varchar(36, {name: 'user_id'}), primary: true}, permission: {...varchar(130), primary: true}},
});

export const Session = new EntitySchema<SessionRow>({
  name: 'Session',
  tableName: 'users_sessions',
  columns: {
    id: {...varchar(36), primary: true},
    userId: varchar(36, {name: 'user_id'}),
    tokenHash: varchar(64, {name: 'token_hash', unique: true}),
    label: varchar(200, {nullable: true}),
    createdAt: varchar(32, {name: 'created_at'}),
    expiresAt: varchar(32, {name: 'expires_at'}),
    lastUsedAt: varchar(32, {name: 'last_used_at', nullable: true}),
    revokedAt: varchar(32, {name: 'revoked_at', nullable: true}),
  },
});

export const Audit = new EntitySchema<AuditRow>({
  name: 'Audit',
  tableName: 'users_audit',
  columns: {
    id: {type: 'integer', primary: true, generated: 'increment'},
    at: varchar(32),
    actorId: varchar(64, {name: 'actor_id'}),
    actor: varchar(254),
    action: varchar(100),
    target: varchar(254, {nullable: true}),
    result: varchar(16),
    permission: varchar(130, {nullable: true}),
    details: {type: 'text', nullable: true},
    seq: {type: 'integer', nullable: true},
    prevHash: varchar(64, {name: 'prev_hash', nullable: true}),
    hash: varchar(64, {nullable: true}),
  },
});

export const USERS_ENTITIES = [User, Role, RolePermission, Membership, Grant, Session, Audit];
