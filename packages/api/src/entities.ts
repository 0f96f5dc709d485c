import {EntitySchema} from '@systemprompt/database/schema';

export interface ApiKeyRow {
  id: string;
  userId: string;
  name: string;
  /** The first 12 characters of the key (`spk_` and 8 more): shown, and enough to name the key. */
  prefix: string;
  /** SHA-256 (hex) of the whole key; the key itself is never stored. */
  keyHash: string;
  /** JSON array of permissions. */
  scopes: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ApiUsageRow {
  keyId: string;
  endpoint: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  count: number;
}

export interface ApiLimitRow {
  subjectKind: 'key' | 'role';
  /** The key id, or the role name. */
  subject: string;
  requestsPerMinute: number;
}

const varchar = (length: number, extra: Record<string, unknown> = {}) => ({type: 'varchar' as const, length, ...extra});

export const ApiKey = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: {...varchar(36), primary: true},
    userId: varchar(36, {name: 'user_id'}),
    name: varchar(100),
    prefix: varchar(12, {unique: true}),
    keyHash: varchar(64, {name: 'key_hash', unique: true}),
    scopes: {type: 'text'},
    createdAt: varchar(32, {name: 'created_at'}),
    expiresAt: varchar(32, {name: 'expires_at', nullable: true}),
    lastUsedAt: varchar(32, {name: 'last_used_at', nullable: true}),
    revokedAt: varchar(32, {name: 'revoked_at', nullable: true}),
  },
});

export const ApiUsage = new EntitySchema<ApiUsageRow>({
  name: 'ApiUsage',
  tableName: 'api_usage',
  columns: {
    keyId: {...varchar(36, {name: 'key_id'}), primary: true},
    endpoint: {...varchar(200), primary: true},
    day: {...varchar(10), primary: true},
    count: {type: 'integer', default: 0},
  },
});

export const ApiLimit = new EntitySchema<ApiLimitRow>({
  name: 'ApiLimit',
  tableName: 'api_limits',
  columns: {
    subjectKind: {...varchar(8, {name: 'subject_kind'}), primary: true},
    subject: {...varchar(64), primary: true},
    requestsPerMinute: {type: 'integer', name: 'requests_per_minute'},
  },
});

export const API_ENTITIES = [ApiKey, ApiUsage, ApiLimit];
