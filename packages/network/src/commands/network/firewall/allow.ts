import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {FirewallChange} from '../../../services/firewall.js';
import {addRule, ruleFlags} from '../../../rule-command.js';
import {NETWORK} from '../../../token.js';

export default class NetworkFirewallAllow extends SystemPromptCommand<typeof NetworkFirewallAllow> {
  static override summary = 'Add a rule that allows an address or range (IPv4 or IPv6 CIDR).';
  static override description =
    'Takes network:write. The rule goes last, or at --position (1 = first; later rules move down). First match wins: an allow before a wider deny lets that address through. Every running server reloads its rules within a moment (no restart).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1/32 --position 1',
    '<%= config.bin %> <%= command.id %> 10.0.0.0/8 --comment office',
    '<%= config.bin %> <%= command.id %> ::1',
  ];
  static override args = {
    cidr: Args.string({description: 'ADDRESS or ADDRESS/PREFIX (a bare address is /32 or /128).', required: true}),
  };
  static override flags = ruleFlags;
  static override columns = ['change', 'position', 'action', 'cidr', 'comment', 'id'];

  async run(): Promise<FirewallChange> {
    const {firewall} = await this.service(NETWORK);
    if (this.flags['dry-run']) this.meta.dryRun = true;
    const {change, warnings, notices} = await addRule(
      firewall,
      await this.actor(),
      'allow',
      this.args.cidr,
      this.flags,
    );
    this.warnings.push(...warnings);
    this.notices.push(...notices);
    return change;
  }
}
