import {SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import type {AuditRecord, UsersApi} from '@systemprompt/users';

export default class PermissionsAudit extends SystemPromptCommand<typeof PermissionsAudit> {
  static override summary = 'Show who used which permission, and every denial.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --filter result=denied', '<%= config.bin %> <%= command.id %> --filter permission=users:delete --json'];
  static override flags = {...listFlags};
  static override columns = ['id', 'at', 'actor', 'permission', 'action', 'target', 'result'];

  async run(): Promise<ListResult<AuditRecord>> {
    const query = this.listQuery({fields: ['id', 'at', 'actor', 'permission', 'action', 'target', 'result'], defaultLimit: 100, defaultSort: 'id'});
    const {access, audit} = await this.service<UsersApi>();
    await access.authorize(await this.actor(), 'audit:read', 'permissions.audit');
    return applyListQuery(await audit.permissionUses(), query, {searchable: ['actor', 'permission', 'action', 'target']});
  }
}
