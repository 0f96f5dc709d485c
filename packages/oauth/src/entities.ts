import {EntitySchema} from '@systemprompt/database/schema';

/**
 * One object of the authorization server (oidc-provider's models: Client, Grant, Session,
 * Interaction, AuthorizationCode, RefreshToken, ...), its payload as JSON. The columns beside the
 * payload are what it is looked up or listed by.
 */
export interface OAuthRecordRow {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** The user (Grant, Session, tokens). */
  accountId: string | null;
  clientId: string | null;
  /** Milliseconds since the epoch; null: does not expire (registered clients). */
  expiresAt: number | null;
  consumedAt: number | null;
  createdAt: number;
}

/** MySQL returns BIGINT as a string: every time column reads back as milliseconds (a number). */
const millis = {
  to: (value: number | null) => value,
  from: (value: unknown) => (value === null || value === undefined ? null : Number(value)),
};

export const OAuthRecord = new EntitySchema<OAuthRecordRow>({
  name: 'OAuthRecord',
  tableName: 'oauth_records',
  columns: {
    model: {type: 'varchar', length: 40, primary: true},
    id: {type: 'varchar', length: 255, primary: true},
    payload: {type: 'text'},
    grantId: {type: 'varchar', length: 255, name: 'grant_id', nullable: true},
    uid: {type: 'varchar', length: 255, nullable: true},
    userCode: {type: 'varchar', length: 64, name: 'user_code', nullable: true},
    accountId: {type: 'varchar', length: 64, name: 'account_id', nullable: true},
    clientId: {type: 'varchar', length: 255, name: 'client_id', nullable: true},
    expiresAt: {type: 'bigint', name: 'expires_at', nullable: true, transformer: millis},
    consumedAt: {type: 'bigint', name: 'consumed_at', nullable: true, transformer: millis},
    createdAt: {type: 'bigint', name: 'created_at', transformer: millis},
  },
});

export const OAUTH_ENTITIES = [OAuthRecord];
