import {Args, SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {AUDIT_LIST_FIELDS, type AuditRecord} from '../../services/audit.js';
import {USERS} from '../../token.js';

export default class UsersActivity extends SystemPromptCommand<typeof UsersActivity> {
  static override summary = 'Show the audit log: what a user did and what was done to them (or everything).';
  static override description =
    'Every change is recorded with its actor, action, target, result and time, and so is every refused attempt. Records stay after a user is deleted. Filtering, searching (actor, action, target, permission), sorting and paging happen in the database.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ana@example.com',
    '<%= config.bin %> <%= command.id %> --filter result=denied --json',
  ];
  static override args = {user: Args.string({description: "User id or email (also a deleted user's email)."})};
  static override flags = {...listFlags};
  static override columns = ['id', 'at', 'actor', 'action', 'target', 'result', 'permission'];

  async run(): Promise<ListResult<AuditRecord>> {
    const query = this.listQuery({fields: AUDIT_LIST_FIELDS, defaultLimit: 100, defaultSort: 'id'});
    const {users} = await this.service(USERS);
    return users.activity(await this.actor(), this.args.user, query);
  }
}
