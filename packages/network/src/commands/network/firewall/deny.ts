import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {FirewallChange} from '../../../services/firewall.js';
import {addRule, ruleFlags} from '../../../rule-command.js';
import {NETWORK} from '../../../token.js';

export default class NetworkFirewallDeny extends SystemPromptCommand<typeof NetworkFirewallDeny> {
  static override summary = 'Add a rule that denies an address or range (IPv4 or IPv6 CIDR).';
  static override description =
    'Takes network:write. The rule goes last, or at --position (1 = first; later rules move down). First match wins: a deny before a wider allow refuses that address (HTTP 403). A rule that would deny loopback (127.0.0.1, ::1) is refused unless --force. Every running server reloads its rules within a moment (no restart).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.2',
    '<%= config.bin %> <%= command.id %> 0.0.0.0/0 --comment "everyone else"',
    '<%= config.bin %> <%= command.id %> fd00::/8 --position 1',
  ];
  static override args = {
    cidr: Args.string({description: 'ADDRESS or ADDRESS/PREFIX (a bare address is /32 or /128).', required: true}),
  };
  static override flags = ruleFlags;
  static override columns = ['change', 'position', 'action', 'cidr', 'comment', 'id'];

  async run(): Promise<FirewallChange> {
    const {firewall} = await this.service(NETWORK);
    if (this.flags['dry-run']) this.meta.dryRun = true;
    const {change, warnings, notices} = await addRule(firewall, await this.actor(), 'deny', this.args.cidr, this.flags);
    this.warnings.push(...warnings);
    this.notices.push(...notices);
    return change;
  }
}
