import {
  Args,
  Flags,
  SystemPromptCommand,
  batchFlag,
  dryRunFlag,
  invalidInput,
  type BatchResult,
} from '@systemprompt/core';
import {rowValues, type RevokeResult} from '@systemprompt/users';
import {PERMISSIONS} from '../../token.js';

export default class PermissionsRevoke extends SystemPromptCommand<typeof PermissionsRevoke> {
  static override summary = 'Revoke a permission from a user or a role (or every row of a --batch file).';
  static override description = `PERMISSION is resource:action (also one that no installed module declares any more), or a wildcard: resource:*, *:action or *. Built-in roles keep their permissions. Needs permissions:grant.

--batch FILE revokes one permission per row (NDJSON, JSON, YAML or CSV with a header). Row fields: permission (required), and user or role. Each row is reported on its own; the command exits 2 when any row failed. --dry-run checks everything and revokes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> users:read --role editor',
    '<%= config.bin %> <%= command.id %> users:* --user ana@example.com',
    '<%= config.bin %> <%= command.id %> --batch revocations.ndjson   # {"permission":"users:read","role":"editor"}',
  ];
  static override args = {permission: Args.string({description: 'The permission (required unless --batch).'})};
  static override flags = {
    user: Flags.string({description: 'User id or email.', exclusive: ['role', 'batch']}),
    role: Flags.string({description: 'Role name.', exclusive: ['user', 'batch']}),
    ...batchFlag,
    ...dryRunFlag,
  };

  async run(): Promise<RevokeResult | BatchResult<RevokeResult>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {roles} = await this.service(PERMISSIONS);
    const actor = await this.actor();
    if (this.flags.batch) {
      if (this.args.permission !== undefined)
        throw invalidInput('Give a PERMISSION or --batch, not both', {code: 'BATCH_WITH_ARGUMENT'});
      return this.batch(this.flags.batch, async (row) => {
        const {permission, user, role} = rowValues(row, {permission: 'string', user: 'string', role: 'string'});
        if (!permission) throw invalidInput('The row has no permission', {code: 'PERMISSION_REQUIRED'});
        return roles.revoke(actor, permission, {...(user ? {user} : {}), ...(role ? {role} : {})}, {dryRun});
      });
    }
    if (this.args.permission === undefined)
      throw invalidInput('Name the permission to revoke', {
        code: 'PERMISSION_REQUIRED',
        hint: 'permissions:revoke PERMISSION (--user USER | --role ROLE), or --batch FILE.',
      });
    return roles.revoke(
      actor,
      this.args.permission,
      {...(this.flags.user ? {user: this.flags.user} : {}), ...(this.flags.role ? {role: this.flags.role} : {})},
      {dryRun},
    );
  }
}
