import {SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {USER_LIST_FIELDS, type UserView} from '../../services/users.js';
import {USERS} from '../../token.js';

export default class UsersList extends SystemPromptCommand<typeof UsersList> {
  static override summary = 'List users with their roles and status.';
  static override description =
    'Filtering, searching (email and name), sorting and paging happen in the database; --sort and --filter take only real columns: email, name, status, createdAt, updatedAt, lastLoginAt.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter status=disabled',
    '<%= config.bin %> <%= command.id %> --search example.com --sort createdAt --order desc --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['email', 'name', 'status', 'roles', 'lastLoginAt'];

  async run(): Promise<ListResult<UserView>> {
    const query = this.listQuery({fields: USER_LIST_FIELDS, defaultLimit: 50, defaultSort: 'email'});
    const {users} = await this.service(USERS);
    return users.list(await this.actor(), query);
  }
}
