import {createHash} from 'node:crypto';

/**
 * The hash chain of the audit log, as in certificate transparency logs: each record carries the hash of
 * the record before it and its own hash over that and its fields, so changing, removing or reordering a
 * record breaks every hash after it. The head (`users_audit_head`, one row) holds the newest position
 * and hash, so removing the newest records shows too. Shared by the writer, the verifier and the
 * migration that chained the records written before it.
 */
export const AUDIT_HEAD_TABLE = 'users_audit_head';

/** The previous hash of record #1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Bumped if the serialization ever changes, so old and new records can be told apart. */
const VERSION = 'systemprompt-audit-v1';

/** A record as stored (column names), whatever the engine returned for its numbers. */
export interface ChainedFields {
  id: number | string;
  seq: number | string;
  at: string;
  actor_id: string;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  permission: string | null;
  details: string | null;
}

/** The columns hashed, in this order; the verifier reads exactly these. */
export const CHAINED_COLUMNS = [
  'id',
  'seq',
  'at',
  'actor_id',
  'actor',
  'action',
  'target',
  'result',
  'permission',
  'details',
] as const;

/**
 * SHA-256 over the version, the previous hash and a canonical serialization of the record: a JSON
 * array in a fixed order (JSON escapes every string unambiguously, so no two records serialize alike).
 */
export function chainHash(previousHash: string, record: ChainedFields): string {
  const canonical = JSON.stringify([
    Number(record.seq),
    Number(record.id),
    record.at,
    record.actor_id,
    record.actor,
    record.action,
    record.target ?? null,
    record.result,
    record.permission ?? null,
    record.details ?? null,
  ]);
  return createHash('sha256').update(`${VERSION}\n${previousHash}\n${canonical}`, 'utf8').digest('hex');
}
