import {Flags, SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import type {RoleView} from '@systemprompt/users';
import type {PermissionRow} from '../../index.js';
import {declaredPermissions} from '../../services/catalog.js';
import {PERMISSIONS} from '../../token.js';

export default class PermissionsList extends SystemPromptCommand<typeof PermissionsList> {
  static override summary = 'List every permission that modules declare, and the roles that hold it.';
  static override description =
    'ROLES names each role whose permissions cover it, wildcards included. --roles lists the roles instead. Needs permissions:read.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --search users',
    '<%= config.bin %> <%= command.id %> --roles --json',
  ];
  static override flags = {
    ...listFlags,
    roles: Flags.boolean({description: 'List the roles with their permissions instead.'}),
  };
  static override columns = ['name', 'module', 'roles', 'description'];

  async run(): Promise<ListResult<PermissionRow | RoleView>> {
    const {permissions} = await this.service(PERMISSIONS);
    const actor = await this.actor();
    if (this.flags.roles) {
      return applyListQuery(
        await permissions.roles(actor),
        this.listQuery({
          fields: ['name', 'description', 'builtin', 'permissions'],
          defaultLimit: null,
          defaultSort: 'name',
        }),
      );
    }
    const rows = await permissions.list(actor, declaredPermissions(await this.modules()));
    return applyListQuery(
      rows,
      this.listQuery({fields: ['name', 'module', 'description', 'roles'], defaultLimit: null, defaultSort: 'name'}),
      {searchable: ['name', 'module', 'description']},
    );
  }
}
