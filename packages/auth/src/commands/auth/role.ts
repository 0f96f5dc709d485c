import {SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import type {RoleView} from '@systemprompt/users';
import {AUTH} from '../../token.js';

const FIELDS = ['name', 'description', 'builtin', 'permissions'] as const;

export default class AuthRole extends SystemPromptCommand<typeof AuthRole> {
  static override summary = 'List the roles and the permissions each gives.';
  static override description =
    'The built-in roles admin (everything), operator and viewer (reads everything) cannot be changed or deleted; create your own with auth:role:create. Needs roles:read.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter builtin=false --json',
  ];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<RoleView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null, defaultSort: 'name'});
    const auth = await this.service(AUTH);
    return applyListQuery(await auth.users.roles.list(await this.actor()), query, {
      searchable: ['name', 'description', 'permissions'],
    });
  }
}
