import {fork} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {SystemPromptError, ExitCode, invalidInput, permissionDenied, unavailable} from '@systemprompt/core';
import type {PoolConnection} from 'mysql2';
import type {QueryJob, QueryReply} from '../query-child.js';
import {mysqlBusy, mysqlBusyCode} from '../mysql-locking.js';
import {databaseBusy} from '../sqlite-locking.js';
import type {DatabaseService} from './database-service.js';
import {
  SqlSyntaxError,
  mysqlRefusal,
  needsSchemaList,
  sqliteRefusal,
  tokenize,
  type GuardRefusal,
} from './sql-guard.js';

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

/** A request that passed the guard, as it will run (on MySQL a write is the statement with its values in). */
export interface CheckedQuery extends QueryRequest {
  readonly checked: true;
}

/** After the server's own time limit, how long to wait before stopping the statement from outside. */
const KILL_MARGIN_MS = 250;
/** After that, how long before the connection is dropped even if the server does not answer. */
const ABANDON_MARGIN_MS = 2000;

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
  if (
    /readonly|read only|READ ONLY/i.test(message) ||
    code === 'SQLITE_READONLY' ||
    code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION'
  ) {
    return new SystemPromptError(`The query tried to change data: ${message}`, {
      code: 'QUERY_READ_ONLY',
      exitCode: ExitCode.PermissionDenied,
      hint: 'Queries are read-only; add --write (and --confirm) to change data.',
    });
  }
  if (/more than one statement/i.test(message))
    return invalidInput('The query must be exactly one statement', {code: 'QUERY_MULTIPLE_STATEMENTS'});
  return invalidInput(`The query failed: ${message}`, {code: 'QUERY_FAILED', details: {reason: code}});
}

const timedOut = (ms: number) =>
  unavailable(`The query did not finish within ${ms} ms and was stopped`, {
    code: 'QUERY_TIMEOUT',
    hint: 'Raise --timeout, or narrow the query.',
  });

/** A statement that reaches past this installation's database: exit 4 (the caller may not, whoever they are). */
export function queryRefused(refusal: GuardRefusal): SystemPromptError {
  return permissionDenied(`The query was refused: ${refusal.reason}`, {
    code: 'QUERY_NOT_ALLOWED',
    details: {refused: refusal.subject},
    hint: "database:query reaches only this installation's own database; use database:schema for its tables and columns.",
  });
}

function tokensOf(sql: string, engine: DatabaseService['engine']) {
  try {
    return tokenize(sql, engine);
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      if (/executable comment/.test(error.message)) throw queryRefused({subject: '/*!', reason: error.message});
      throw invalidInput(`The query failed: ${error.message}`, {code: 'QUERY_FAILED'});
    }
    throw error;
  }
}

/** Every schema the server shows this account, to tell `other_db.t` from `alias.column`. */
async function mysqlSchemas(service: DatabaseService): Promise<string[]> {
  const dataSource = await service.dataSource();
  const rows = await dataSource.query<Array<{name: string}>>(
    'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA',
  );
  return rows.map((row) => row.name);
}

/**
 * Checks what the statement reaches (sql-guard.ts) and returns it as it will run: on MySQL a write
 * runs as text with its values escaped in, so the check sees exactly what the server will parse.
 * Throws QUERY_NOT_ALLOWED (exit 4) for a statement that reaches past this database.
 */
export async function checkQuery(service: DatabaseService, request: QueryRequest): Promise<CheckedQuery> {
  const target = service.target;
  if (target.engine === 'sqlite') {
    const refusal = sqliteRefusal(tokensOf(request.sql, 'sqlite'));
    if (refusal) throw queryRefused(refusal);
    return {...request, checked: true};
  }
  let sql = request.sql;
  let params = request.params;
  if (request.write && params.length > 0) {
    const {loadMysql} = await import('../vendor.js');
    const {format} = loadMysql().callback;
    sql = format(sql, params as never[]);
    params = [];
  }
  const tokens = tokensOf(sql, 'mysql');
  const refusal = mysqlRefusal(tokens, target.database, needsSchemaList(tokens) ? await mysqlSchemas(service) : []);
  if (refusal) throw queryRefused(refusal);
  return {...request, sql, params, checked: true};
}

async function sqliteQuery(service: DatabaseService, request: CheckedQuery): Promise<QueryResult> {
  const target = service.target;
  if (target.engine !== 'sqlite') throw new Error('not a SQLite database');
  // Make sure the file exists and is migrated before a separate connection opens it.
  await service.dataSource();
  const job: QueryJob = {
    file: target.file,
    sql: request.sql,
    params: request.params,
    write: request.write,
    busyTimeoutMs: service.busyTimeoutMs,
    limit: request.limit,
  };
  // Compiled JavaScript: no loader of the parent (a test runner's TypeScript hook) is needed there.
  const child = fork(fileURLToPath(new URL('../query-child.js', import.meta.url)), [], {
    serialization: 'advanced',
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString('utf8');
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<QueryReply>((resolve, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        // Answer once the process is gone, so nothing of the statement outlives the command.
        void exited.then(() => reject(timedOut(request.timeoutMs)));
      }, request.timeoutMs);
      child.once('message', (message) => resolve(message as QueryReply));
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL')
          reject(
            new Error(
              `The query process ended (${code ?? signal}) without an answer${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`,
            ),
          );
      });
      child.send(job);
    });
    if (reply.kind === 'error')
      throw reply.code.startsWith('SQLITE_BUSY')
        ? databaseBusy(service.busyTimeoutMs)
        : queryFailed(reply.code, reply.message);
    return reply.kind === 'rows' ? {...reply, rows: reply.rows.map(plainRow)} : reply;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function call(
  connection: PoolConnection,
  options: {sql: string; values?: unknown[]},
): Promise<[unknown, Array<{name: string}> | undefined]> {
  return new Promise((resolve, reject) => {
    connection.query(options, (error, rows, fields) =>
      error ? reject(error) : resolve([rows, fields as Array<{name: string}> | undefined]),
    );
  });
}

/**
 * A read runs as a server-side prepared statement, and only if the server says it returns rows: a
 * READ ONLY transaction stops writes to tables, but not a SELECT ... INTO OUTFILE, which returns none.
 */
function readStatement(
  connection: PoolConnection,
  request: CheckedQuery,
): Promise<[unknown, Array<{name: string}> | undefined]> {
  return new Promise((resolve, reject) => {
    connection.prepare(request.sql, (error, statement) => {
      if (error) {
        reject(error);
        return;
      }
      if ((statement as unknown as {columns: unknown[]}).columns.length === 0) {
        statement.close();
        reject(
          Object.assign(new Error('the statement returns no rows, so it may change data or write files'), {
            code: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
          }),
        );
        return;
      }
      statement.execute(request.params, (executeError, rows, fields) => {
        if (executeError) reject(executeError);
        else resolve([rows, fields]);
      });
    });
  });
}

const TIMEOUT_CODES = new Set([
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

async function mysqlQuery(service: DatabaseService, request: CheckedQuery): Promise<QueryResult> {
  const dataSource = await service.dataSource();
  const queryRunner = dataSource.createQueryRunner();
  const connection = (await queryRunner.connect()) as PoolConnection;
  let open = false;
  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  let abandonTimer: NodeJS.Timeout | undefined;
  try {
    const [[server]] = (await call(connection, {sql: 'SELECT VERSION() AS version, @@SESSION.sql_mode AS mode'})) as [
      [{version: string; mode: string}],
      unknown,
    ];
    // The server stops the statement at the limit itself (MariaDB: any statement; MySQL: SELECT).
    if (/mariadb/i.test(server.version))
      await call(connection, {sql: 'SET SESSION max_statement_time = ?', values: [request.timeoutMs / 1000]});
    else await call(connection, {sql: 'SET SESSION MAX_EXECUTION_TIME = ?', values: [request.timeoutMs]});
    // The guard read the statement with backslash escapes on and "..." as a string; so must the server.
    const modes = server.mode
      .split(',')
      .filter((mode) => mode !== '' && mode !== 'NO_BACKSLASH_ESCAPES' && mode !== 'ANSI_QUOTES');
    if (modes.join(',') !== server.mode)
      await call(connection, {sql: 'SET SESSION sql_mode = ?', values: [modes.join(',')]});
    await call(connection, {sql: request.write ? 'START TRANSACTION' : 'START TRANSACTION READ ONLY'});
    open = true;
    const running = request.write ? call(connection, {sql: request.sql}) : readStatement(connection, request);
    // Where the server's limit does not apply (MySQL writes), stop the statement from another
    // connection; if the server does not answer even that, stop waiting.
    const [result, fields] = await new Promise<[unknown, Array<{name: string}> | undefined]>((resolve, reject) => {
      killTimer = setTimeout(() => {
        stopped = true;
        void dataSource.query(`KILL QUERY ${Math.trunc(Number(connection.threadId))}`).catch(() => undefined);
      }, request.timeoutMs + KILL_MARGIN_MS);
      abandonTimer = setTimeout(
        () => reject(Object.assign(new Error('timeout'), {code: 'PROTOCOL_SEQUENCE_TIMEOUT'})),
        request.timeoutMs + KILL_MARGIN_MS + ABANDON_MARGIN_MS,
      );
      running.then(resolve, reject);
    });
    await call(connection, {sql: request.write ? 'COMMIT' : 'ROLLBACK'});
    open = false;
    if (Array.isArray(result)) {
      const rows = (result as Array<Record<string, unknown>>).map(plainRow);
      return {
        kind: 'rows',
        columns: (fields ?? []).map((field) => field.name),
        rows: request.limit === null ? rows : rows.slice(0, request.limit),
        total: rows.length,
      };
    }
    const header = result as {affectedRows: number; insertId: number};
    return {kind: 'changes', changes: header.affectedRows, lastInsertId: header.insertId || null};
  } catch (error) {
    const code = String((error as {code?: string}).code ?? '');
    if (
      stopped ||
      TIMEOUT_CODES.has(code) ||
      /max_statement_time|maximum statement execution time/i.test(String((error as Error).message))
    )
      throw timedOut(request.timeoutMs);
    if (open) await call(connection, {sql: 'ROLLBACK'}).catch(() => undefined);
    const busy = mysqlBusyCode(error);
    if (busy) throw mysqlBusy(busy, error);
    throw queryFailed(code, error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(killTimer);
    clearTimeout(abandonTimer);
    // A raw statement can leave session state behind (variables, temporary tables, the limits and
    // sql_mode set above): the connection goes, and an unfinished transaction is rolled back with it.
    connection.destroy();
    await queryRunner.release().catch(() => undefined);
  }
}

/** Runs a checked statement with bound parameters. Read-only unless `write`, as the engine enforces. */
export function executeQuery(service: DatabaseService, request: CheckedQuery): Promise<QueryResult> {
  return service.engine === 'sqlite' ? sqliteQuery(service, request) : mysqlQuery(service, request);
}

/**
 * Checks and runs exactly one statement with bound parameters. Read-only unless `write`: enforced by
 * the engine (a read-only SQLite connection; a READ ONLY transaction on MySQL), never by reading the
 * SQL. No permission check: DatabaseService.query is the entry point for callers with an actor.
 */
export async function runQuery(service: DatabaseService, request: QueryRequest): Promise<QueryResult> {
  return executeQuery(service, await checkQuery(service, request));
}
