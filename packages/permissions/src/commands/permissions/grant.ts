import {
  Args,
  Flags,
  SystemPromptCommand,
  batchFlag,
  dryRunFlag,
  invalidInput,
  type BatchResult,
} from '@systemprompt/core';
import {rowValues, type GrantResult} from '@systemprompt/users';
import {PERMISSIONS} from '../../token.js';

export default class PermissionsGrant extends SystemPromptCommand<typeof PermissionsGrant> {
  static override summary = 'Grant a permission to a user or a role (or every row of a --batch file).';
  static override description = `PERMISSION is resource:action as modules declare it (see permissions:list), or a wildcard: resource:*, *:action or *. Built-in roles keep their permissions. Needs permissions:grant, and you must hold PERMISSION yourself (nobody gives what they do not hold: exit 4 PERMISSION_ESCALATION; users:read does not cover users:*).

--batch FILE grants one permission per row (NDJSON, JSON, YAML or CSV with a header). Row fields: permission (required), and user or role. Each row is reported on its own; the command exits 2 when any row failed. --dry-run checks everything and grants nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> users:read --role editor',
    '<%= config.bin %> <%= command.id %> users:* --user ana@example.com',
    '<%= config.bin %> <%= command.id %> --batch grants.csv   # grants.csv: permission,user,role',
  ];
  static override args = {permission: Args.string({description: 'The permission (required unless --batch).'})};
  static override flags = {
    user: Flags.string({description: 'User id or email.', exclusive: ['role', 'batch']}),
    role: Flags.string({description: 'Role name.', exclusive: ['user', 'batch']}),
    ...batchFlag,
    ...dryRunFlag,
  };

  async run(): Promise<GrantResult | BatchResult<GrantResult>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {roles} = await this.service(PERMISSIONS);
    const actor = await this.actor();
    const declared = await this.declaredPermissions();
    if (this.flags.batch) {
      if (this.args.permission !== undefined)
        throw invalidInput('Give a PERMISSION or --batch, not both', {code: 'BATCH_WITH_ARGUMENT'});
      return this.batch(this.flags.batch, async (row) => {
        const {permission, user, role} = rowValues(row, {permission: 'string', user: 'string', role: 'string'});
        if (!permission) throw invalidInput('The row has no permission', {code: 'PERMISSION_REQUIRED'});
        return roles.grant(actor, permission, {...(user ? {user} : {}), ...(role ? {role} : {})}, declared, {dryRun});
      });
    }
    if (this.args.permission === undefined)
      throw invalidInput('Name the permission to grant', {
        code: 'PERMISSION_REQUIRED',
        hint: 'permissions:grant PERMISSION (--user USER | --role ROLE), or --batch FILE.',
      });
    return roles.grant(
      actor,
      this.args.permission,
      {...(this.flags.user ? {user: this.flags.user} : {}), ...(this.flags.role ? {role: this.flags.role} : {})},
      declared,
      {dryRun},
    );
  }
}
