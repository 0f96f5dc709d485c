import {unavailable, type SystemPromptError} from '@systemprompt/core';
import type {DataSource, QueryRunner} from 'typeorm';

/**
 * MySQL/MariaDB lock rows, and two transactions that wait for each other's rows end in one of two
 * ways: the server picks one as the victim of a deadlock and rolls it back (1213), or a transaction
 * waits past innodb_lock_wait_timeout (1205). Either way the statement changed nothing that stays,
 * and trying again is the remedy: exit 6, DATABASE_BUSY, as SQLite's busy errors are.
 */
const BUSY = {
  ER_LOCK_DEADLOCK: {errno: 1213, what: 'this transaction deadlocked with another one and was rolled back'},
  ER_LOCK_WAIT_TIMEOUT: {
    errno: 1205,
    what: 'another transaction held the rows this one needed for longer than the lock wait timeout',
  },
} as const;

type BusyCode = keyof typeof BUSY;

/** The busy kind of a mysql2 error, or of the one a TypeORM QueryFailedError wraps; undefined for any other error. */
export function mysqlBusyCode(error: unknown): BusyCode | undefined {
  const candidates = [error, (error as {driverError?: unknown} | undefined)?.driverError];
  for (const candidate of candidates) {
    if (!candidate || typeof candidate !== 'object') continue;
    const {code, errno} = candidate as {code?: unknown; errno?: unknown};
    for (const [name, known] of Object.entries(BUSY) as Array<[BusyCode, (typeof BUSY)[BusyCode]]>) {
      if (code === name || errno === known.errno) return name;
    }
  }
  return undefined;
}

export function mysqlBusy(code: BusyCode, cause?: unknown): SystemPromptError {
  return unavailable(`The database is busy: ${BUSY[code].what}`, {
    code: 'DATABASE_BUSY',
    details: {reason: code},
    hint: 'Try again. If it lasts, look for a long transaction holding locks (SHOW ENGINE INNODB STATUS).',
    cause,
  });
}

/** `error` as DATABASE_BUSY when it is a deadlock or a lock wait timeout; otherwise `error` itself. */
export function mapMysqlBusy(error: unknown): unknown {
  const code = mysqlBusyCode(error);
  return code ? mysqlBusy(code, error) : error;
}

/**
 * Reports the deadlocks and lock wait timeouts of every query runner of the DataSource (so every
 * repository, manager and transaction) as DATABASE_BUSY. Each runner holds its own pooled connection,
 * so each new one is wrapped.
 */
export function reportLockConflicts(dataSource: DataSource): void {
  const create = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>) => {
    const runner = create(...args);
    const query = runner.query.bind(runner) as (...queryArgs: unknown[]) => Promise<unknown>;
    runner.query = (async (...queryArgs: unknown[]) => {
      try {
        return await query(...queryArgs);
      } catch (error) {
        throw mapMysqlBusy(error);
      }
    }) as QueryRunner['query'];
    return runner;
  };
}
