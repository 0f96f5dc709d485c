import {Flags, dryRunFlag, type Actor} from '@systemprompt/core';
import type {FirewallAction} from './firewall.js';
import type {FirewallChange, FirewallService} from './services/firewall.js';

/** The flags of network:firewall:allow and :deny. */
export const ruleFlags = {
  position: Flags.integer({char: 'p', description: 'Where the rule goes: 1 is first (default: last).', min: 1}),
  comment: Flags.string({char: 'c', description: 'Why the rule is there (up to 200 characters).'}),
  force: Flags.boolean({description: 'Add it even when it denies loopback (127.0.0.1 or ::1).'}),
  ...dryRunFlag,
};

/** network:firewall:allow and :deny: the service call, and the lines the command prints besides the result. */
export async function addRule(
  firewall: FirewallService,
  actor: Actor,
  action: FirewallAction,
  cidr: string,
  flags: {position?: number | undefined; comment?: string | undefined; force?: boolean; 'dry-run'?: boolean},
): Promise<{change: FirewallChange; warnings: string[]; notices: string[]}> {
  const dryRun = flags['dry-run'] ?? false;
  const change = await firewall.add(actor, action, cidr, {
    ...(flags.position !== undefined ? {position: flags.position} : {}),
    ...(flags.comment !== undefined ? {comment: flags.comment} : {}),
    force: flags.force ?? false,
    dryRun,
  });
  return {
    change,
    warnings:
      change.lockedOut.length > 0
        ? [`Loopback ${change.lockedOut.join(' and ')} is denied by this rule (--force)`]
        : [],
    notices: [
      `${dryRun ? 'Would add' : 'Added'} rule ${change.position}: ${action} ${change.cidr}${dryRun ? '' : '; running servers reload their rules'}`,
    ],
  };
}
