import {Flags, SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import type {AuditRecord} from '@systemprompt/users';
import {AuditLogService, type AuditVerifyResult} from '../../services/audit-log.js';
import {PERMISSIONS} from '../../token.js';

/** The audit log's list fields (AUDIT_LIST_FIELDS of the users module), the permission first. */
const COLUMNS = ['id', 'at', 'actor', 'permission', 'action', 'target', 'result'] as const;

export default class PermissionsAudit extends SystemPromptCommand<typeof PermissionsAudit> {
  static override summary =
    'Show who used which permission, and every denial; --verify checks that the audit log was not changed.';
  static override description =
    'Lists the records of the audit log that used or were refused a permission (filtered, searched, sorted and paged in the database). Needs audit:read.\n\n' +
    'Every record of the audit log is chained to the one before it by a SHA-256 hash, and the newest position and hash are kept apart (users_audit_head). ' +
    '--verify walks the whole chain and exits 0 with the number of records verified and the head (SEQ:HASH), or exits 1 naming the first record that was changed, removed or added by hand, and the newest records if they were removed. ' +
    'Someone who can write to the database could rewrite every hash after a change: keep the head printed by --verify somewhere else (a ticket, another system) and pass it later with --anchor, which fails if the log was rewritten at or before that record.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter result=denied',
    '<%= config.bin %> <%= command.id %> --filter permission=users:delete --json',
    '<%= config.bin %> <%= command.id %> --verify',
    '<%= config.bin %> <%= command.id %> --verify --anchor 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  ];
  static override flags = {
    ...listFlags,
    verify: Flags.boolean({
      description: 'Check the hash chain of the whole audit log; exit 1 names the first broken record.',
    }),
    anchor: Flags.string({
      description:
        'With --verify: a head printed by an earlier verification; the record at that position must still have that hash.',
      helpValue: 'SEQ:HASH',
      dependsOn: ['verify'],
    }),
  };
  static override columns = COLUMNS;

  async run(): Promise<ListResult<AuditRecord> | AuditVerifyResult> {
    const log = new AuditLogService(await this.service(PERMISSIONS));
    const actor = await this.actor();
    if (this.flags.verify) return log.verify(actor, {anchor: this.flags.anchor});
    return log.permissionUses(actor, () => this.listQuery({fields: COLUMNS, defaultLimit: 100, defaultSort: 'id'}));
  }
}
