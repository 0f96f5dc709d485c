import {Args, Flags, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import type {FirewallChange} from '../../../services/firewall.js';
import {NETWORK} from '../../../token.js';

export default class NetworkFirewallRemove extends SystemPromptCommand<typeof NetworkFirewallRemove> {
  static override summary = 'Remove a firewall rule (by id, position or range).';
  static override description =
    'Takes network:write. RULE is the id or position (3 or #3) network:firewall shows, or the range when one rule has it. Later rules move up. Removing a rule can open the server to addresses it refused: asks for confirmation (--confirm without a terminal). A removal that leaves loopback denied is refused unless --force. Running servers reload their rules within a moment.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 2 --confirm',
    '<%= config.bin %> <%= command.id %> 127.0.0.2/32 --confirm',
  ];
  static override args = {
    rule: Args.string({description: 'The rule: its id, its position, or its range.', required: true}),
  };
  static override flags = {
    force: Flags.boolean({description: 'Remove it even when loopback (127.0.0.1 or ::1) ends up denied.'}),
    ...confirmFlag,
    ...dryRunFlag,
  };
  static override columns = ['change', 'position', 'action', 'cidr', 'comment', 'id'];

  async run(): Promise<FirewallChange> {
    const {firewall} = await this.service(NETWORK);
    const actor = await this.actor();
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    // Looked up (and the lock-out checked) first, so the question names the rule.
    const preview = await firewall.remove(actor, this.args.rule, {force: this.flags.force, dryRun: true});
    if (dryRun) return preview;
    await this.confirmAction(`Remove firewall rule ${preview.position} (${preview.action} ${preview.cidr})?`);
    const change = await firewall.remove(actor, this.args.rule, {force: this.flags.force});
    if (change.lockedOut.length > 0)
      this.warnings.push(`Loopback ${change.lockedOut.join(' and ')} is now denied (--force)`);
    this.notices.push(
      `Removed rule ${change.position} (${change.action} ${change.cidr}); running servers reload their rules`,
    );
    return change;
  }
}
