import {Flags, SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import type {FirewallDecision} from '../../firewall.js';
import {RULE_LIST_FIELDS, type RuleView} from '../../services/firewall.js';
import {NETWORK} from '../../token.js';

export default class NetworkFirewall extends SystemPromptCommand<typeof NetworkFirewall> {
  static override summary = 'List the firewall rules the server enforces on every request (first match wins).';
  static override description =
    "Takes network:read. Rules are tried in position order; the first whose range holds the request's address decides (allow or deny); an address no rule matches gets network.firewallDefault (allow unless set). Every server of the installation enforces them on every request before anything else (a refusal is HTTP 403, audited as network.firewall.refused) and reloads them when they change. X-Forwarded-For counts only from network.trustedProxies. --check ADDRESS says what the rules decide for one address.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --check 127.0.0.2',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    check: Flags.string({description: 'Say which rule (or the default) decides for this address.'}),
    ...listFlags,
  };
  static override columns = ['position', 'action', 'cidr', 'comment', 'id', 'createdBy', 'createdAt'];

  async run(): Promise<ListResult<RuleView> | FirewallDecision> {
    const {firewall} = await this.service(NETWORK);
    const actor = await this.actor();
    if (this.flags.check) {
      const decision = await firewall.check(actor, this.flags.check);
      this.notices.push(
        `${decision.address} is ${decision.allowed ? 'allowed' : 'denied'} by ${decision.rule ? `rule ${decision.rule.position} (${decision.rule.action} ${decision.rule.cidr})` : `the default (${firewall.defaultAction})`}`,
      );
      return decision;
    }
    const list = await firewall.list(actor, this.listQuery({fields: RULE_LIST_FIELDS, defaultLimit: null}));
    this.meta.default = list.default;
    this.notices.push(`Addresses no rule matches: ${list.default} (network.firewallDefault).`);
    const {default: _default, ...page} = list;
    return page;
  }
}
