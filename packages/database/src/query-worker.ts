// Runs one database:query statement on SQLite in a worker thread, on its own connection: read-only
// unless asked to write, so SQLite itself refuses writes; the main thread can stop waiting at the
// time limit without its own event loop being blocked by a long statement.
import {parentPort, workerData} from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface QueryJob {
  file: string;
  sql: string;
  params: unknown[];
  write: boolean;
  busyTimeoutMs: number;
  limit: number | null;
}

export type QueryReply =
  | {kind: 'rows'; columns: string[]; rows: Array<Record<string, unknown>>; total: number}
  | {kind: 'changes'; changes: number; lastInsertId: number | string | null}
  | {kind: 'error'; code: string; message: string};

function run(job: QueryJob): QueryReply {
  const db = new Database(job.file, {readonly: !job.write, fileMustExist: true, timeout: job.busyTimeoutMs});
  try {
    db.pragma('foreign_keys = ON');
    // prepare() refuses more than one statement; the engine classifies what the statement does.
    const statement = db.prepare(job.sql);
    if (!job.write && !statement.readonly) {
      return {kind: 'error', code: 'SQLITE_READONLY', message: 'attempt to write a readonly database (add --write to change data)'};
    }
    if (statement.reader) {
      const rows: Array<Record<string, unknown>> = [];
      let total = 0;
      const read = () => {
        for (const row of statement.iterate(...job.params) as Iterable<Record<string, unknown>>) {
          total++;
          if (job.limit === null || rows.length < job.limit) rows.push(row);
        }
      };
      if (job.write) db.transaction(read)();
      else read();
      return {kind: 'rows', columns: statement.columns().map((column) => column.name), rows, total};
    }
    const result = job.write ? db.transaction(() => statement.run(...job.params))() : statement.run(...job.params);
    const id = result.lastInsertRowid;
    return {kind: 'changes', changes: result.changes, lastInsertId: typeof id === 'bigint' ? id.toString() : id};
  } finally {
    db.close();
  }
}

try {
  parentPort!.postMessage(run(workerData as QueryJob));
} catch (error) {
  parentPort!.postMessage({kind: 'error', code: String((error as {code?: string}).code ?? 'SQLITE_ERROR'), message: error instanceof Error ? error.message : String(error)});
}
