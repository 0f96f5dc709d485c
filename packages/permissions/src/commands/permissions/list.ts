import {Flags, SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import type {UsersApi} from '@systemprompt/users';
import {declaredPermissions} from '../../services/catalog.js';

interface PermissionRow {
  name: string;
  module: string;
  description: string;
  roles: string[];
}

export default class PermissionsList extends SystemPromptCommand<typeof PermissionsList> {
  static override summary = 'List every permission that modules declare, and the roles that hold it.';
  static override description = 'ROLES names each role whose permissions cover it, wildcards included. --roles lists the roles instead.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --search users', '<%= config.bin %> <%= command.id %> --roles --json'];
  static override flags = {...listFlags, roles: Flags.boolean({description: 'List the roles with their permissions instead.'})};
  static override columns = ['name', 'module', 'roles', 'description'];

  async run(): Promise<ListResult<PermissionRow | {name: string; description: string; builtin: boolean; permissions: string[]}>> {
    const {roles, access} = await this.service<UsersApi>();
    const actor = await this.actor();
    await access.authorize(actor, 'permissions:read', 'permissions.list');
    const allRoles = await roles.list(actor);
    const {permissionMatches} = await import('@systemprompt/core');
    if (this.flags.roles) {
      return applyListQuery(allRoles, this.listQuery({fields: ['name', 'description', 'builtin', 'permissions'], defaultLimit: null, defaultSort: 'name'}));
    }
    const rows = declaredPermissions(await this.modules()).map((permission) => ({
      ...permission,
      roles: allRoles.filter((role) => role.permissions.some((granted) => permissionMatches(granted, permission.name))).map((role) => role.name),
    }));
    return applyListQuery(rows, this.listQuery({fields: ['name', 'module', 'description', 'roles'], defaultLimit: null, defaultSort: 'name'}), {searchable: ['name', 'module', 'description']});
  }
}
