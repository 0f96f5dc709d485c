import {EntitySchema} from '@systemprompt/database/schema';

/** A firewall rule. Rules are tried in ascending position; the first whose range holds the address decides. */
export interface FirewallRuleRow {
  id: string;
  /** 1-based, contiguous. */
  position: number;
  /** allow | deny */
  action: string;
  /** The range in canonical form: `127.0.0.2/32`, `::1/128`, `10.0.0.0/8`. */
  cidr: string;
  comment: string | null;
  /** Milliseconds since the epoch on both engines. */
  createdAt: number;
  createdBy: string;
}

export const FirewallRule = new EntitySchema<FirewallRuleRow>({
  name: 'NetworkFirewallRule',
  tableName: 'network_firewall_rules',
  columns: {
    id: {type: 'varchar', length: 32, primary: true},
    position: {type: 'integer'},
    action: {type: 'varchar', length: 8},
    cidr: {type: 'varchar', length: 64},
    comment: {type: 'varchar', length: 200, nullable: true},
    createdAt: {type: 'bigint', name: 'created_at'},
    createdBy: {type: 'varchar', length: 320, name: 'created_by'},
  },
});

export const NETWORK_ENTITIES = [FirewallRule];
