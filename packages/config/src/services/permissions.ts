import type {Actor, AuditEntry} from '@systemprompt/core';
import type {ConfigModuleApi} from '../index.js';

/** The config module's permissions (module.yaml). */
export const READ = 'config:read';
export const WRITE = 'config:write';
/** Read secrets in clear, or send a stored credential somewhere new. */
export const SECRETS = 'config:secrets';
/** Change security settings (see SchemaCatalog.settings). */
export const SECURITY = 'config:security';

/** The audit log's target column holds 254 characters. */
export const auditTarget = (target: string): string => (target.length > 254 ? `${target.slice(0, 251)}...` : target);

/** Checks and records through the access provider: every service of this module starts with one of these. */
export class Guard {
  constructor(private readonly access: ConfigModuleApi['access']) {}

  async authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void> {
    await (
      await this.access()
    ).authorize(actor, permission, action, target === undefined || target === null ? null : auditTarget(target));
  }

  /** An audit record of a change that was made (names and masked values only, never a secret). */
  async record(actor: Actor, entry: AuditEntry): Promise<void> {
    await (await this.access()).record(actor, {...entry, target: entry.target ? auditTarget(entry.target) : null});
  }
}
