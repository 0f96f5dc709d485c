import {
  Args,
  Flags,
  SystemPromptCommand,
  batchFlag,
  dryRunFlag,
  invalidInput,
  type BatchResult,
} from '@systemprompt/core';
import {rowValues} from '../../batch-rows.js';
import type {UserView} from '../../services/users.js';
import {USERS} from '../../token.js';

const ROW = {user: 'string', name: 'string', email: 'string', addRoles: 'list', removeRoles: 'list'} as const;

export default class UsersUpdate extends SystemPromptCommand<typeof UsersUpdate> {
  static override summary = "Change a user's name, email or roles (or many users' with --batch).";
  static override description = `Emails are checked and normalized as in users:create; a name has at most 200 characters. Added roles must exist (exit 3) and you must hold every permission they give (exit 4 PERMISSION_ESCALATION), also when adding a role to yourself. Needs users:update.

--batch FILE changes one user per row (NDJSON, JSON, YAML or CSV with a header). Row fields: user (id or email, required), name, email, addRoles, removeRoles (lists, or in CSV one cell separated by spaces or semicolons). Each row is reported on its own; the command exits 2 when any row failed. --dry-run checks everything and changes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> ana@example.com --name "Ana L."',
    '<%= config.bin %> <%= command.id %> ana@example.com --add-role editor --remove-role viewer',
    '<%= config.bin %> <%= command.id %> ana@example.com --add-role operator --dry-run',
    '<%= config.bin %> <%= command.id %> --batch changes.csv   # changes.csv: user,addRoles,removeRoles',
  ];
  static override args = {user: Args.string({description: 'User id or email (required unless --batch).'})};
  static override flags = {
    name: Flags.string({description: 'New display name.', exclusive: ['batch']}),
    email: Flags.string({description: 'New email address.', exclusive: ['batch']}),
    'add-role': Flags.string({description: 'A role to add (repeatable).', multiple: true, exclusive: ['batch']}),
    'remove-role': Flags.string({description: 'A role to remove (repeatable).', multiple: true, exclusive: ['batch']}),
    ...batchFlag,
    ...dryRunFlag,
  };

  async run(): Promise<UserView | BatchResult<UserView>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    if (this.flags.batch) {
      if (this.args.user !== undefined)
        throw invalidInput('Give a USER or --batch, not both', {code: 'BATCH_WITH_ARGUMENT'});
      const {users} = await this.service(USERS);
      const actor = await this.actor();
      return this.batch(this.flags.batch, async (row) => {
        const {user, ...changes} = rowValues(row, ROW);
        if (!user) throw invalidInput('The row has no user', {code: 'USER_REQUIRED'});
        return users.update(actor, user, changes, {dryRun});
      });
    }
    if (this.args.user === undefined)
      throw invalidInput('Name the user to change', {
        code: 'USER_REQUIRED',
        hint: 'users:update USER --name ..., or --batch FILE.',
      });
    const {name, email} = this.flags;
    const {users} = await this.service(USERS);
    return users.update(
      await this.actor(),
      this.args.user,
      {
        ...(name === undefined ? {} : {name}),
        ...(email === undefined ? {} : {email}),
        addRoles: this.flags['add-role'] ?? [],
        removeRoles: this.flags['remove-role'] ?? [],
      },
      {dryRun},
    );
  }
}
