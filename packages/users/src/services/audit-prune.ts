import {SYSTEM_ACTOR} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {AUDIT_HEAD_TABLE} from './audit-chain.js';
import type {AuditService} from './audit.js';

/** Records removed per transaction. */
const BATCH = 500;

/**
 * Removes the oldest records of the audit log, those written before `before` (or with dryRun counts
 * them), as a prefix of the chain: the head keeps the position and hash of the last one removed, so
 * verify starts from there, and a record `audit.pruned` says what went. Each batch moves the base in the
 * transaction that removes its records, under the head's lock (writers wait; they never see a half-cut
 * chain).
 */
export async function pruneAuditLog(
  db: ModuleDatabase,
  audit: AuditService,
  before: Date,
  options: {dryRun: boolean},
): Promise<number> {
  const [cut] = await db.manager.query<Array<{seq: number | string | null}>>(
    'SELECT MAX(seq) AS seq FROM users_audit WHERE seq IS NOT NULL AND at < ?',
    [before.toISOString()],
  );
  const through = cut?.seq === null || cut?.seq === undefined ? 0 : Number(cut.seq);
  if (through === 0) return 0;
  if (options.dryRun) {
    const [row] = await db.manager.query<Array<{n: number | string}>>(
      'SELECT COUNT(*) AS n FROM users_audit WHERE seq IS NOT NULL AND seq <= ?',
      [through],
    );
    return Number(row?.n ?? 0);
  }
  let removed = 0;
  for (;;) {
    const batch = await db.transaction(
      async (manager) => {
        // Takes the head's lock first, as writers do (see AuditService.append).
        await manager.query(`UPDATE ${AUDIT_HEAD_TABLE} SET seq = seq WHERE id = 1`);
        const [head] = await manager.query<Array<{base_seq: number | string}>>(
          `SELECT base_seq FROM ${AUDIT_HEAD_TABLE} WHERE id = 1${db.engine === 'mysql' ? ' FOR UPDATE' : ''}`,
        );
        if (!head) return 0;
        const base = Number(head.base_seq);
        if (base >= through) return 0;
        const end = Math.min(through, base + BATCH);
        const [last] = await manager.query<Array<{hash: string}>>('SELECT hash FROM users_audit WHERE seq = ?', [end]);
        if (!last) throw new Error(`Record #${end} of the audit log is missing: run users:audit:verify`);
        const [count] = await manager.query<Array<{n: number | string}>>(
          'SELECT COUNT(*) AS n FROM users_audit WHERE seq IS NOT NULL AND seq <= ?',
          [end],
        );
        await manager.query('DELETE FROM users_audit WHERE seq IS NOT NULL AND seq <= ?', [end]);
        await manager.query(`UPDATE ${AUDIT_HEAD_TABLE} SET base_seq = ?, base_hash = ? WHERE id = 1`, [
          end,
          last.hash,
        ]);
        return Number(count?.n ?? 0);
      },
      {leaf: true},
    );
    removed += batch;
    if (batch === 0) break;
  }
  if (removed > 0)
    await audit.record(SYSTEM_ACTOR, {
      action: 'audit.pruned',
      result: 'ok',
      details: {removed, through, before: before.toISOString()},
    });
  return removed;
}
