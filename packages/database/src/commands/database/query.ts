import {Args, Flags, SystemPromptCommand, confirmFlag, type ListResult} from '@systemprompt/core';
import {DATABASE} from '../../token.js';

export default class DatabaseQuery extends SystemPromptCommand<typeof DatabaseQuery> {
  static override summary = "Run one SQL statement on this installation's database; read-only unless --write.";
  static override description =
    "Runs exactly one statement with bound parameters (--param, in order, for each ?). Needs database:query (admin only by default: raw queries read password hashes and secrets), and database:write too with --write. Reads are enforced by the engine: a read-only SQLite connection, a READ ONLY transaction on MySQL. Statements that reach past this installation's database (other schemas, files, server settings) are refused with exit 4. --write runs the statement in a transaction, asks for confirmation and is audited. The statement is stopped at --timeout (exit 6).";
  static override examples = [
    '<%= config.bin %> <%= command.id %> "SELECT name, applied_at FROM systemprompt_migrations"',
    '<%= config.bin %> <%= command.id %> "SELECT * FROM systemprompt_migrations WHERE module = ?" --param users --json',
    '<%= config.bin %> <%= command.id %> "DELETE FROM notes WHERE id = ?" --param 42 --write --confirm',
  ];
  static override args = {
    sql: Args.string({required: true, description: 'One SQL statement; use ? for each --param.'}),
  };
  static override flags = {
    param: Flags.string({char: 'p', description: 'A value bound to the next ? (repeatable).', multiple: true}),
    write: Flags.boolean({
      description: 'Allow the statement to change data (asks for confirmation; needs database:write).',
    }),
    timeout: Flags.integer({
      description: "Stop the statement after this many milliseconds (default: the database module's queryTimeoutMs).",
      min: 1,
    }),
    limit: Flags.integer({description: 'Return at most this many rows (0 for all).', default: 1000, min: 0}),
    ...confirmFlag,
  };

  async run(): Promise<ListResult<Record<string, unknown>> | {changes: number; lastInsertId: number | string | null}> {
    const service = await this.service(DATABASE);
    const limit = this.flags.limit === 0 ? null : this.flags.limit;
    const result = await service.query(
      await this.actor(),
      {
        sql: this.args.sql,
        params: this.flags.param ?? [],
        write: this.flags.write,
        timeoutMs: this.flags.timeout ?? service.queryTimeoutMs,
        limit,
      },
      {confirm: (question) => this.confirmAction(question)},
    );
    if (result.kind === 'changes') return {changes: result.changes, lastInsertId: result.lastInsertId};
    this.meta.columns = result.columns;
    return {items: result.rows, total: result.total, page: 1, limit};
  }
}
