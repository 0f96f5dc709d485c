import {
  invalidInput,
  policyMatches,
  runRetention,
  type AccessProvider,
  type Actor,
  type RegisteredRetention,
  type RetentionOutcome,
} from '@systemprompt/core';
import {DATABASE_PERMISSIONS} from './database-service.js';

export interface CleanOptions {
  olderThanDays?: number;
  dryRun: boolean;
  only?: readonly string[];
}

/**
 * data:clean: runs the retention policies every booted module added (events, logs, deliveries, run
 * history, audit), at their settings or at one age given for all (the audit log keeps its own).
 * Removing records needs database:write; a dry run (counting) needs database:read. What was removed is
 * audited.
 */
export class RetentionService {
  constructor(
    private readonly policies: () => readonly RegisteredRetention[],
    private readonly access: () => Promise<AccessProvider>,
  ) {}

  async clean(actor: Actor, options: CleanOptions): Promise<RetentionOutcome[]> {
    const access = await this.access();
    const permission = options.dryRun ? DATABASE_PERMISSIONS.read : DATABASE_PERMISSIONS.write;
    await access.authorize(actor, permission, 'data.clean');
    const policies = this.policies();
    const unknown = (options.only ?? []).filter((name) => !policies.some((policy) => policyMatches(policy, name)));
    if (unknown.length > 0)
      throw invalidInput(`No retention policy is named ${unknown.join(', ')}`, {
        code: 'RETENTION_POLICY_UNKNOWN',
        details: {unknown},
        hint: `Known: ${policies.map((policy) => `${policy.module}/${policy.name}`).join(', ')}`,
      });
    const outcomes = await runRetention(policies, options);
    if (!options.dryRun)
      await access.record(actor, {
        action: 'data.clean',
        result: outcomes.some((outcome) => outcome.error) ? 'failed' : 'ok',
        permission,
        target: null,
        details: {
          olderThanDays: options.olderThanDays ?? null,
          removed: Object.fromEntries(
            outcomes.map((outcome) => [`${outcome.module}/${outcome.name}`, outcome.removed]),
          ),
        },
      });
    return outcomes;
  }
}
