import type {EntityManager} from 'typeorm';

/**
 * What services need to know about a failed or finished statement, alike on both engines (mysql2 and
 * better-sqlite3 name things differently; TypeORM wraps the driver's error). Nothing here loads TypeORM.
 */

/** The driver's error code, e.g. ER_DUP_ENTRY or SQLITE_CONSTRAINT_UNIQUE. */
export function driverErrorCode(error: unknown): string | undefined {
  const code =
    (error as {driverError?: {code?: unknown}} | null)?.driverError?.code ?? (error as {code?: unknown} | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const UNIQUE_VIOLATIONS: ReadonlySet<string> = new Set([
  'ER_DUP_ENTRY',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** A primary or unique key refused the row: another writer got there first. */
export const isUniqueViolation = (error: unknown): boolean => UNIQUE_VIOLATIONS.has(driverErrorCode(error) ?? '');

/** MySQL/MariaDB rolled the whole transaction back to break a deadlock, or gave up waiting for a lock. */
const RETRIED: ReadonlySet<string> = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * Runs `work` (a whole MySQL/MariaDB transaction, or one statement) again when the engine chose it as
 * a deadlock victim or a lock wait timed out: it was rolled back whole, so running it again is safe.
 * SQLite has one writer and never deadlocks.
 */
export async function retryingDeadlocks<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !RETRIED.has(driverErrorCode(error) ?? '')) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/**
 * Runs a statement on the connection of `em` (inside its transaction, when it is a transaction's) and
 * returns how many rows it changed: better-sqlite3 otherwise answers with the last row id.
 */
export async function changedRows(em: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    const result = (await runner.query(sql, parameters, true)) as {affected?: number};
    return Number(result.affected ?? 0);
  } finally {
    if (!em.queryRunner) await runner.release();
  }
}
