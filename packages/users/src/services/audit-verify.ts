import type {ModuleDatabase} from '@systemprompt/database';
import {AUDIT_HEAD_TABLE, CHAINED_COLUMNS, GENESIS_HASH, chainHash, type ChainedFields} from './audit-chain.js';

export interface VerifyOptions {
  /**
   * A position and hash recorded earlier outside the database (from a previous verification): the
   * record at that position must still have that hash. This catches what the chain alone cannot: someone
   * with write access who rewrote every hash from a record on.
   */
  anchor?: {seq: number; hash: string} | undefined;
  /** Records read per query (the walk never holds more). */
  pageSize?: number | undefined;
}

/** How the chain is broken, at the first place it is. */
export interface AuditBreak {
  /**
   * `edited`: the record's hash does not match its content; `deleted`: a position is missing;
   * `relinked`: the record does not point at the one before it; `duplicated`: a position repeats;
   * `truncated`: the newest records are gone (the head says more); `head-missing`/`head-mismatch`: the
   * head row is gone or disagrees with the last record; `unchained`: a record outside the chain;
   * `anchor-mismatch`: the record at the anchor's position has another hash.
   */
  problem:
    | 'edited'
    | 'deleted'
    | 'relinked'
    | 'duplicated'
    | 'truncated'
    | 'head-missing'
    | 'head-mismatch'
    | 'unchained'
    | 'anchor-mismatch';
  /** The position in the chain where it breaks. */
  seq: number | null;
  /** The record's id, when there is a record. */
  id: number | null;
  message: string;
}

export interface AuditVerification {
  intact: boolean;
  /** Records whose hash and link were checked before the first break (all of them when intact). */
  verified: number;
  /** The head when the walk began: keep `seq:hash` somewhere else and pass it as an anchor later. */
  head: {seq: number; hash: string} | null;
  /** Positions of records that say the head had to be rebuilt (it had been deleted). */
  headRestoredAt: number[];
  broken?: AuditBreak;
}

type StoredRow = ChainedFields & {prev_hash: string | null; hash: string | null};

/**
 * Walks the chain from #1 to the head as it was when the walk began (records appended meanwhile are
 * left for the next run), a page at a time in position order, and stops at the first break.
 */
export async function verifyAuditChain(db: ModuleDatabase, options: VerifyOptions = {}): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 500;
  const [headRow] = await db.manager.query<
    Array<{seq: number | string; hash: string; base_seq: number | string; base_hash: string}>
  >(`SELECT seq, hash, base_seq, base_hash FROM ${AUDIT_HEAD_TABLE} WHERE id = 1`);
  const head = headRow ? {seq: Number(headRow.seq), hash: headRow.hash} : null;
  const headRestoredAt: number[] = [];
  let verified = 0;
  const result = (broken?: AuditBreak): AuditVerification => ({
    intact: !broken,
    verified,
    head,
    headRestoredAt,
    ...(broken ? {broken} : {}),
  });
  if (!head) {
    return result({
      problem: 'head-missing',
      seq: null,
      id: null,
      message: `The head of the audit log (${AUDIT_HEAD_TABLE}) is missing: the newest records may have been deleted with it`,
    });
  }

  // The chain begins after the records the retention setting removed (0 and genesis while none were).
  const base = Number(headRow!.base_seq ?? 0);
  let expected = base + 1;
  let previous = headRow!.base_hash ?? GENESIS_HASH;
  let last = base;
  const columns = [...CHAINED_COLUMNS, 'prev_hash', 'hash'].join(', ');
  for (;;) {
    const rows = await db.manager.query<StoredRow[]>(
      `SELECT ${columns} FROM users_audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${Math.floor(pageSize)}`,
      [last, head.seq],
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      const id = Number(row.id);
      const at = `record #${seq} (id ${id}, ${row.action} by ${row.actor} at ${row.at})`;
      if (seq < expected)
        return result({
          problem: 'duplicated',
          seq,
          id,
          message: `Position #${seq} of the audit log is taken twice: ${at} was added or renumbered by hand`,
        });
      if (seq > expected) {
        return result({
          problem: 'deleted',
          seq: expected,
          id: null,
          message: `Record #${expected} of the audit log is missing (deleted): after #${expected - 1} comes ${at}`,
        });
      }
      if (row.prev_hash !== previous) {
        return result({
          problem: 'relinked',
          seq,
          id,
          message: `The audit log is broken at ${at}: it does not follow record #${seq - 1} (a record before it was removed or replaced)`,
        });
      }
      if (row.hash !== chainHash(previous, row)) {
        return result({
          problem: 'edited',
          seq,
          id,
          message: `The audit log is broken at ${at}: the record was changed after it was written (its hash does not match its content)`,
        });
      }
      if (options.anchor && seq === options.anchor.seq && row.hash !== options.anchor.hash) {
        return result({
          problem: 'anchor-mismatch',
          seq,
          id,
          message: `Record #${seq} (id ${id}) has another hash than the anchor ${options.anchor.seq}:${options.anchor.hash}: the log was rewritten at or before it`,
        });
      }
      if (row.action === 'audit.head-restored') headRestoredAt.push(seq);
      previous = row.hash;
      last = seq;
      expected = seq + 1;
      verified += 1;
    }
    if (rows.length < pageSize) break;
  }

  if (last < head.seq) {
    const count = head.seq - last;
    return result({
      problem: 'truncated',
      seq: last + 1,
      id: null,
      message: `The newest ${count === 1 ? 'record' : `${count} records`} of the audit log (#${last + 1}${count === 1 ? '' : `..#${head.seq}`}) ${count === 1 ? 'is' : 'are'} missing: the head says it holds ${head.seq}`,
    });
  }
  if (head.seq > 0 && previous !== head.hash) {
    return result({
      problem: 'head-mismatch',
      seq: head.seq,
      id: null,
      message: `The last record of the audit log (#${head.seq}) does not match its head (${AUDIT_HEAD_TABLE}): the head or the record was changed`,
    });
  }
  if (options.anchor && options.anchor.seq > head.seq) {
    return result({
      problem: 'truncated',
      seq: head.seq + 1,
      id: null,
      message: `The anchor names record #${options.anchor.seq} but the audit log ends at #${head.seq}: records were deleted`,
    });
  }
  const [unchained] = await db.manager.query<Array<{id: number | string; action: string; actor: string; at: string}>>(
    'SELECT id, action, actor, at FROM users_audit WHERE seq IS NULL OR hash IS NULL OR prev_hash IS NULL ORDER BY id LIMIT 1',
  );
  if (unchained) {
    return result({
      problem: 'unchained',
      seq: null,
      id: Number(unchained.id),
      message: `Record id ${Number(unchained.id)} (${unchained.action} by ${unchained.actor} at ${unchained.at}) is not in the chain: it was written by hand`,
    });
  }
  // One statement, so a writer appending meanwhile (record and head move together) cannot show here.
  const [beyond] = await db.manager.query<Array<{id: number | string; seq: number | string}>>(
    `SELECT a.id, a.seq FROM users_audit a WHERE a.seq > (SELECT h.seq FROM ${AUDIT_HEAD_TABLE} h WHERE h.id = 1) ORDER BY a.seq LIMIT 1`,
  );
  if (beyond) {
    return result({
      problem: 'unchained',
      seq: Number(beyond.seq),
      id: Number(beyond.id),
      message: `Record #${Number(beyond.seq)} (id ${Number(beyond.id)}) lies beyond the head of the audit log: it was added by hand`,
    });
  }
  return result();
}
