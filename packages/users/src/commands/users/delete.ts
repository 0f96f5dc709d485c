import {
  Args,
  SystemPromptCommand,
  batchFlag,
  confirmFlag,
  dryRunFlag,
  invalidInput,
  type BatchResult,
} from '@systemprompt/core';
import {confirmOnce, rowValues} from '../../batch-rows.js';
import {USERS} from '../../token.js';

type Deleted = {id: string; email: string; deleted: boolean; dryRun?: true};

export default class UsersDelete extends SystemPromptCommand<typeof UsersDelete> {
  static override summary = 'Delete a user, or every user of a --batch file (dangerous: asks for confirmation).';
  static override description = `Removes the user with their roles, grants and sessions. Their records in the audit log stay. Needs users:delete, checked before anything else: without it the answer is exit 4 whether or not the user exists.

--batch FILE deletes one user per row (NDJSON, JSON, YAML or CSV with a header); row field: user (id or email). One confirmation covers the whole file. Each row is reported on its own; the command exits 2 when any row failed. --dry-run checks each row and deletes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> ana@example.com --confirm',
    '<%= config.bin %> <%= command.id %> ana@example.com --dry-run',
    '<%= config.bin %> <%= command.id %> --batch leavers.csv --confirm   # leavers.csv: user',
  ];
  static override args = {user: Args.string({description: 'User id or email (required unless --batch).'})};
  static override flags = {...confirmFlag, ...batchFlag, ...dryRunFlag};

  async run(): Promise<Deleted | BatchResult<Deleted>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {users} = await this.service(USERS);
    const actor = await this.actor();
    if (this.flags.batch) {
      if (this.args.user !== undefined)
        throw invalidInput('Give a USER or --batch, not both', {code: 'BATCH_WITH_ARGUMENT'});
      const file = this.flags.batch;
      const confirm = confirmOnce(() => this.confirmAction(`Delete every user listed in ${file}?`));
      return this.batch(file, async (row) => {
        const {user} = rowValues(row, {user: 'string'});
        if (!user) throw invalidInput('The row has no user', {code: 'USER_REQUIRED'});
        return users.delete(actor, user, {dryRun, ...(confirm ? {confirm} : {})});
      });
    }
    if (this.args.user === undefined)
      throw invalidInput('Name the user to delete', {
        code: 'USER_REQUIRED',
        hint: 'users:delete USER, or --batch FILE.',
      });
    return users.delete(actor, this.args.user, {dryRun, confirm: (question) => this.confirmAction(question)});
  }
}
