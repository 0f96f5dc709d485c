import type {ModuleDatabase} from './database-service.js';
import {quoteIdentifier} from '../sql-identifiers.js';

/** Rows removed per transaction: short locks, so a server writing at the same time barely waits. */
const BATCH = 500;

/** What a retention policy removes: rows of one table (and what hangs off them) matching a condition. */
export interface PruneSpec {
  table: string;
  /** The single-column primary key the batches are cut by. */
  key: string;
  /** A condition over the table's columns with `?` placeholders: the rows that may go. */
  where: string;
  params: readonly unknown[];
  /** Rows of other tables that reference the removed ones (`column` holds the key) and go with them. */
  dependents?: ReadonlyArray<{table: string; column: string}>;
}

/**
 * Removes the rows of `spec` in batches, each batch and its dependents in one transaction (a kill
 * between batches leaves whole rows, never a row without its dependents or the reverse); with dryRun it
 * only counts. Returns how many rows of the table went.
 */
export async function pruneRows(db: ModuleDatabase, spec: PruneSpec, options: {dryRun: boolean}): Promise<number> {
  const quote = (name: string) => quoteIdentifier(db.engine, name);
  const table = quote(spec.table);
  const key = quote(spec.key);
  if (options.dryRun) {
    const [row] = await db.manager.query<Array<{n: number | string}>>(
      `SELECT COUNT(*) AS n FROM ${table} WHERE ${spec.where}`,
      [...spec.params],
    );
    return Number(row?.n ?? 0);
  }
  let removed = 0;
  for (;;) {
    const count = await db.transaction(async (manager) => {
      const rows = await manager.query<Array<{key: string | number}>>(
        `SELECT ${key} AS ${quote('key')} FROM ${table} WHERE ${spec.where} LIMIT ${BATCH}`,
        [...spec.params],
      );
      if (rows.length === 0) return 0;
      const keys = rows.map((row) => row.key);
      const marks = keys.map(() => '?').join(', ');
      for (const dependent of spec.dependents ?? [])
        await manager.query(
          `DELETE FROM ${quote(dependent.table)} WHERE ${quote(dependent.column)} IN (${marks})`,
          keys,
        );
      await manager.query(`DELETE FROM ${table} WHERE ${key} IN (${marks})`, keys);
      return keys.length;
    });
    removed += count;
    if (count < BATCH) return removed;
  }
}
