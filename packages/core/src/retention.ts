/**
 * Retention: what each module keeps only for a while (events, logs, deliveries, run history, audit)
 * and how it removes what is older. Modules add their policies at initialize; `data:clean` and the
 * server's hourly sweep run them. The module owns the query (it knows which rows are still needed:
 * a delivery not yet delivered, a run still running); the kernel only collects them.
 */

export interface RetentionPolicy {
  /** What goes, e.g. `deliveries`; shown as `<module>/<name>` and unique in the module. */
  name: string;
  description: string;
  /**
   * Days kept by the module's setting; null keeps everything until the setting says otherwise (and then
   * `data:clean --older-than` does not override it either).
   */
  keepDays: number | null;
  /** The setting that holds keepDays, `<module>.<key>`, so an operator knows what to change. */
  setting: string;
  /**
   * A protected policy (the audit log) is never shortened by `data:clean --older-than`: only its own
   * setting decides.
   */
  protected?: boolean;
  /** Removes (or with dryRun only counts) what is older than `before`; returns how many. */
  prune(before: Date, options: {dryRun: boolean}): Promise<number>;
}

export interface ModuleRetention {
  add(policy: RetentionPolicy): void;
}

/** A policy with the module that added it. */
export interface RegisteredRetention extends RetentionPolicy {
  module: string;
}

export interface RetentionRun {
  /** Days to keep instead of each policy's setting (protected policies keep theirs). */
  olderThanDays?: number;
  dryRun?: boolean;
  /** Only these policies (`module/name` or `module`). */
  only?: readonly string[];
  now?: number;
}

export interface RetentionOutcome {
  module: string;
  name: string;
  description: string;
  setting: string;
  /** Days kept in this run; null when the policy keeps everything. */
  keepDays: number | null;
  /** The cut-off: what occurred before it went (or would go); null when nothing was pruned. */
  before: string | null;
  /** Removed (counted, in a dry run). */
  removed: number;
  dryRun: boolean;
  /** Why it failed, when it did (the other policies still run). */
  error?: string;
}

const DAY_MS = 86_400_000;

/** Whether `name` (`module` or `module/name`, as data:clean --only takes it) names the policy. */
export const policyMatches = (policy: RegisteredRetention, name: string): boolean =>
  name === policy.module || name === `${policy.module}/${policy.name}`;

/** The days a policy keeps in a run: the override, unless the policy is protected or keeps all. */
export function keptDays(policy: RetentionPolicy, olderThanDays: number | undefined): number | null {
  if (policy.keepDays === null) return null;
  if (policy.protected || olderThanDays === undefined) return policy.keepDays;
  return olderThanDays;
}

/** Runs the policies one after another; one failing is reported and the rest still run. */
export async function runRetention(
  policies: readonly RegisteredRetention[],
  run: RetentionRun = {},
): Promise<RetentionOutcome[]> {
  const now = run.now ?? Date.now();
  const dryRun = run.dryRun ?? false;
  const selected = run.only?.length
    ? policies.filter((policy) => run.only!.some((name) => policyMatches(policy, name)))
    : policies;
  const outcomes: RetentionOutcome[] = [];
  for (const policy of selected) {
    const keepDays = keptDays(policy, run.olderThanDays);
    const outcome: RetentionOutcome = {
      module: policy.module,
      name: policy.name,
      description: policy.description,
      setting: policy.setting,
      keepDays,
      before: null,
      removed: 0,
      dryRun,
    };
    if (keepDays !== null) {
      const before = new Date(now - keepDays * DAY_MS);
      outcome.before = before.toISOString();
      try {
        outcome.removed = await policy.prune(before, {dryRun});
      } catch (error) {
        outcome.error = error instanceof Error ? error.message : String(error);
      }
    }
    outcomes.push(outcome);
  }
  return outcomes;
}
