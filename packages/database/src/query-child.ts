// Runs one database:query statement on SQLite in a child process, on its own connection: read-only
// unless asked to write, so SQLite itself refuses writes. A child process, not a worker thread:
// better-sqlite3 cannot interrupt a running statement, and a thread busy in native code ignores
// terminate(), so an endless statement would burn a CPU and keep the command alive. A process is
// stopped at the time limit with SIGKILL; SQLite's journal undoes an unfinished write.
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
      return {
        kind: 'error',
        code: 'SQLITE_READONLY',
        message: 'attempt to write a readonly database (add --write to change data)',
      };
    }
    // Writes take the write lock first (BEGIN IMMEDIATE), where waiting for another writer is safe.
    const inTransaction = <T>(work: () => T): T => (job.write ? db.transaction(work).immediate() : work());
    if (statement.reader) {
      const rows: Array<Record<string, unknown>> = [];
      let total = 0;
      inTransaction(() => {
        for (const row of statement.iterate(...job.params) as Iterable<Record<string, unknown>>) {
          total++;
          if (job.limit === null || rows.length < job.limit) rows.push(row);
        }
      });
      return {kind: 'rows', columns: statement.columns().map((column) => column.name), rows, total};
    }
    const result = inTransaction(() => statement.run(...job.params));
    const id = result.lastInsertRowid;
    return {kind: 'changes', changes: result.changes, lastInsertId: typeof id === 'bigint' ? id.toString() : id};
  } finally {
    db.close();
  }
}

function reply(message: QueryReply): void {
  process.send!(message, () => process.exit(0));
}

process.once('message', (job: QueryJob) => {
  try {
    reply(run(job));
  } catch (error) {
    reply({
      kind: 'error',
      code: String((error as {code?: string}).code ?? 'SQLITE_ERROR'),
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
