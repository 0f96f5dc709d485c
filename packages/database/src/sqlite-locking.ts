import {unavailable, type SystemPromptError} from '@systemprompt/core';
import type {DataSource, QueryRunner} from 'typeorm';

/**
 * Several processes write the one SQLite file (CLI commands beside the server). SQLite lets one
 * writer in at a time; the others wait up to the busy timeout. Two things defeat that wait, and
 * this module handles both:
 * - a transaction that reads first and writes later (BEGIN DEFERRED) cannot wait for the write lock
 *   (that could deadlock), so SQLite fails it at once with "database is locked". Every transaction
 *   here starts with BEGIN IMMEDIATE, taking the write lock before anything else, where waiting is safe.
 * - a few busy cases skip the wait altogether (WAL recovery, the journal-mode switch of a new file).
 *   What failed then changed nothing, so it runs again, with backoff, within the busy timeout.
 * A lock held past the timeout is exit 6, DATABASE_BUSY, instead of a driver error.
 */

const MAX_ATTEMPTS = 20;

export function isBusy(error: unknown): boolean {
  const codes = [(error as {code?: unknown}).code, (error as {driverError?: {code?: unknown}}).driverError?.code];
  return codes.some((code) => typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}

export function databaseBusy(timeoutMs: number, cause?: unknown): SystemPromptError {
  return unavailable(`The database is busy: another process has held its write lock for more than ${timeoutMs} ms`, {
    code: 'DATABASE_BUSY',
    details: {busyTimeoutMs: timeoutMs},
    hint: 'Try again. If it lasts, look for a process stuck in a write; SYSTEMPROMPT_DATABASE_BUSY_TIMEOUT_MS sets how long to wait.',
    cause,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` again while SQLite reports busy, with exponential backoff and jitter, until the busy
 * timeout has passed in all (a busy handler that waited the whole timeout already did): then
 * DATABASE_BUSY. Only for work that changed nothing when it failed busy.
 */
export async function retryWhileBusy<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() - started >= timeoutMs || attempt >= MAX_ATTEMPTS) throw databaseBusy(timeoutMs, error);
      await sleep(Math.min(20 * 2 ** attempt, 400) * (0.5 + Math.random()));
    }
  }
}

type Query = QueryRunner['query'];

/**
 * Makes the connection's transactions immediate and its busy errors retried or reported. TypeORM's
 * better-sqlite3 driver has one query runner per DataSource (one connection), so patching it covers
 * every repository, manager and transaction of the process.
 */
export function takeWriteLockFirst(dataSource: DataSource, timeoutMs: number): void {
  const runner = dataSource.createQueryRunner();
  const query = runner.query.bind(runner) as (
    sql: string,
    parameters?: unknown[],
    structured?: boolean,
  ) => Promise<unknown>;
  const patched = async (sql: string, parameters?: unknown[], structured?: boolean): Promise<unknown> => {
    if (sql === 'BEGIN TRANSACTION') {
      try {
        return await retryWhileBusy(() => query('BEGIN IMMEDIATE TRANSACTION', parameters, structured), timeoutMs);
      } catch (error) {
        // TypeORM marks the transaction active before it sends BEGIN; this one never started.
        (runner as {isTransactionActive: boolean}).isTransactionActive = false;
        throw error;
      }
    }
    // Outside a transaction a statement that failed busy changed nothing: it may run again. Inside
    // one the write lock is already held (BEGIN IMMEDIATE), so busy there is not expected.
    if (!runner.isTransactionActive) return retryWhileBusy(() => query(sql, parameters, structured), timeoutMs);
    try {
      return await query(sql, parameters, structured);
    } catch (error) {
      throw isBusy(error) ? databaseBusy(timeoutMs, error) : error;
    }
  };
  runner.query = patched as Query;
}
