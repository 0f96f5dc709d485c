import {
  ExitCode,
  SystemPromptError,
  invalidInput,
  type Actor,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import type {AuditRecord, AuditService, UsersApi} from '@systemprompt/users';

export type AuditVerification = Awaited<ReturnType<AuditService['verify']>>;

/** What `permissions:audit --verify` reports when the chain holds. */
export interface AuditVerifyResult {
  intact: true;
  verified: number;
  /** `seq:hash` of the head: keep it outside the database and pass it later as --anchor. */
  head: string;
  anchor: string | null;
  /** Positions where the head had been deleted and was rebuilt (removals before them cannot be seen). */
  headRestoredAt: number[];
}

const ANCHOR = /^(\d{1,15}):([0-9a-f]{64})$/;

/** `SEQ:HASH` as printed by a verification. */
export function parseAnchor(text: string): {seq: number; hash: string} {
  const match = ANCHOR.exec(text.trim().toLowerCase());
  if (!match || Number(match[1]) < 1) {
    throw invalidInput(`--anchor ${text} is not a position and hash (SEQ:HASH)`, {
      code: 'AUDIT_ANCHOR_INVALID',
      hint: 'Pass the "head" printed by an earlier permissions:audit --verify, e.g. 1234:9f86d0…(64 hex digits).',
    });
  }
  return {seq: Number(match[1]), hash: match[2]!};
}

/** The audit log as the permissions module serves it: every method checks `audit:read` first. */
export class AuditLogService {
  constructor(private readonly users: UsersApi) {}

  /**
   * One page of the records that used or were refused a permission, read in the database. `query`
   * is read after the permission check, so a refused caller learns nothing from the list flags either.
   */
  async permissionUses(actor: Actor, query: () => ListQuery): Promise<ListResult<AuditRecord>> {
    await this.users.access.authorize(actor, 'audit:read', 'permissions.audit');
    return this.users.audit.permissionUses(query());
  }

  /**
   * Walks the hash chain of the whole log. Intact: the count and the head. Broken: exit 1 (as a
   * checksum tool fails), naming the first broken record; the error's details carry the break.
   */
  async verify(actor: Actor, options: {anchor?: string | undefined} = {}): Promise<AuditVerifyResult> {
    await this.users.access.authorize(actor, 'audit:read', 'permissions.audit-verify');
    const anchor = options.anchor === undefined ? undefined : parseAnchor(options.anchor);
    const verification = await this.users.audit.verify({anchor});
    if (verification.broken) {
      const {broken} = verification;
      throw new SystemPromptError(broken.message, {
        code: 'AUDIT_CHAIN_BROKEN',
        exitCode: ExitCode.Unexpected,
        details: {
          problem: broken.problem,
          seq: broken.seq,
          id: broken.id,
          verified: verification.verified,
          head: verification.head ? `${verification.head.seq}:${verification.head.hash}` : null,
        },
        hint: `${verification.verified} record${verification.verified === 1 ? '' : 's'} before it verified; what follows cannot be trusted. Compare with a backup of the database.`,
      });
    }
    const head = verification.head!;
    return {
      intact: true,
      verified: verification.verified,
      head: `${head.seq}:${head.hash}`,
      anchor: anchor ? `${anchor.seq}:${anchor.hash}` : null,
      headRestoredAt: verification.headRestoredAt,
    };
  }
}
