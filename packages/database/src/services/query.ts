import {Worker} from 'node:worker_threads';
import {SystemPromptError, ExitCode, invalidInput, unavailable} from '@systemprompt/core';
import type {PoolConnection} from 'mysql2';
import type {QueryJob, QueryReply} from '../query-worker.js';
import type {DatabaseService} from './database-service.js';

export interface QueryRequest {
  sql: string;
  params: unknown[];
  write: boolean;
  timeoutMs: number;
  /** Rows returned at most (null: all); `total` still counts every row. */
  limit: number | null;
}

export type QueryResult =
  | {kind: 'rows'; columns: string[]; rows: Array<Record<string, unknown>>; total: number}
  | {kind: 'changes'; changes: number; lastInsertId: number | string | null};

/** Values as JSON can carry them: binary as 0x-hex, dates as ISO strings, big integers as text. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Converts in place: most rows hold only strings and numbers, and copying 100k rows costs more than the query. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    const value = row[key];
    if (value !== null && (typeof value === 'object' || typeof value === 'bigint')) row[key] = plain(value);
  }
  return row;
}

function queryFailed(code: string, message: string): SystemPromptError {
  if (/readonly|read only|READ ONLY/i.test(message) || code === 'SQLITE_READONLY' || code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') {
    return new SystemPromptError(`The query tried to change data: ${message}`, {code: 'QUERY_READ_ONLY', exitCode: ExitCode.PermissionDenied, hint: 'Queries are read-only; add --write (and --confirm) to change data.'});
  }
  if (/more than one statement/i.test(message)) return invalidInput('The query must be exactly one statement', {code: 'QUERY_MULTIPLE_STATEMENTS'});
  return invalidInput(`The query failed: ${message}`, {code: 'QUERY_FAILED', details: {reason: code}});
}

const timedOut = (ms: number) => unavailable(`The query did not finish within ${ms} ms and was stopped`, {code: 'QUERY_TIMEOUT', hint: 'Raise --timeout, or narrow the query.'});

async function sqliteQuery(service: DatabaseService, request: QueryRequest): Promise<QueryResult> {
  const target = service.target;
  if (target.engine !== 'sqlite') throw new Error('not a SQLite database');
  // Make sure the file exists and is migrated before a separate connection opens it.
  await service.dataSource();
  const job: QueryJob = {file: target.file, sql: request.sql, params: request.params, write: request.write, busyTimeoutMs: 2000, limit: request.limit};
  const worker = new Worker(new URL('../query-worker.js', import.meta.url), {workerData: job});
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<QueryReply>((resolve, reject) => {
      timer = setTimeout(() => reject(timedOut(request.timeoutMs)), request.timeoutMs);
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (reply.kind === 'error') throw queryFailed(reply.code, reply.message);
    return reply.kind === 'rows' ? {...reply, rows: reply.rows.map(plainRow)} : reply;
  } finally {
    clearTimeout(timer);
    // A statement still running keeps the thread busy until it returns; nothing waits for it.
    void worker.terminate();
  }
}

function call(connection: PoolConnection, options: {sql: string; values?: unknown[]; timeout?: number}): Promise<[unknown, Array<{name: string}> | undefined]> {
  return new Promise((resolve, reject) => {
    connection.query(options, (error, rows, fields) => (error ? reject(error) : resolve([rows, fields as Array<{name: string}> | undefined])));
  });
}

/**
 * A read runs as a server-side prepared statement, and only if the server says it returns rows: a
 * READ ONLY transaction stops writes to tables, but not a SELECT ... INTO OUTFILE, which returns none.
 */
function readStatement(connection: PoolConnection, request: QueryRequest): Promise<[unknown, Array<{name: string}> | undefined]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timeout'), {code: 'PROTOCOL_SEQUENCE_TIMEOUT'})), request.timeoutMs);
    connection.prepare(request.sql, (error, statement) => {
      if (error) {
        clearTimeout(timer);
        reject(error);
        return;
      }
      // mysql2 caches prepared statements per connection; unprepare() (not close()) keeps its cache right.
      const release = () => connection.unprepare(request.sql);
      if ((statement as unknown as {columns: unknown[]}).columns.length === 0) {
        release();
        clearTimeout(timer);
        reject(Object.assign(new Error('the statement returns no rows, so it may change data or write files'), {code: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION'}));
        return;
      }
      statement.execute(request.params, (executeError, rows, fields) => {
        release();
        clearTimeout(timer);
        if (executeError) reject(executeError);
        else resolve([rows, fields as Array<{name: string}> | undefined]);
      });
    });
  });
}

async function mysqlQuery(service: DatabaseService, request: QueryRequest): Promise<QueryResult> {
  const dataSource = await service.dataSource();
  const queryRunner = dataSource.createQueryRunner();
  const connection = (await queryRunner.connect()) as PoolConnection;
  let open = false;
  try {
    const [[server]] = (await call(connection, {sql: 'SELECT VERSION() AS version'})) as [[{version: string}], unknown];
    // The server stops the statement at the limit too, so it does not run on after the client gives up.
    if (/mariadb/i.test(server.version)) await call(connection, {sql: 'SET SESSION max_statement_time = ?', values: [request.timeoutMs / 1000]});
    else await call(connection, {sql: 'SET SESSION MAX_EXECUTION_TIME = ?', values: [request.timeoutMs]});
    await call(connection, {sql: request.write ? 'START TRANSACTION' : 'START TRANSACTION READ ONLY'});
    open = true;
    const [result, fields] = request.write
      ? await call(connection, {sql: request.sql, values: request.params, timeout: request.timeoutMs})
      : await readStatement(connection, request);
    await call(connection, {sql: request.write ? 'COMMIT' : 'ROLLBACK'});
    open = false;
    if (Array.isArray(result)) {
      const rows = (result as Array<Record<string, unknown>>).map(plainRow);
      return {kind: 'rows', columns: (fields ?? []).map((field) => field.name), rows: request.limit === null ? rows : rows.slice(0, request.limit), total: rows.length};
    }
    const header = result as {affectedRows: number; insertId: number};
    return {kind: 'changes', changes: header.affectedRows, lastInsertId: header.insertId || null};
  } catch (error) {
    const code = String((error as {code?: string}).code ?? '');
    if (open) await call(connection, {sql: 'ROLLBACK'}).catch(() => undefined);
    if (code === 'PROTOCOL_SEQUENCE_TIMEOUT' || code === 'ER_STATEMENT_TIMEOUT' || /max_statement_time|maximum statement execution time/i.test(String((error as Error).message))) {
      connection.destroy();
      throw timedOut(request.timeoutMs);
    }
    throw queryFailed(code, error instanceof Error ? error.message : String(error));
  } finally {
    await queryRunner.release().catch(() => undefined);
  }
}

/**
 * Runs exactly one statement with bound parameters. Read-only unless `write`: enforced by the engine
 * (a read-only SQLite connection; a READ ONLY transaction on MySQL), never by reading the SQL.
 */
export function runQuery(service: DatabaseService, request: QueryRequest): Promise<QueryResult> {
  return service.engine === 'sqlite' ? sqliteQuery(service, request) : mysqlQuery(service, request);
}
