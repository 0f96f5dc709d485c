import {CidrSet, normalizeAddress, parseCidr, type Cidr} from './cidr.js';

export type FirewallAction = 'allow' | 'deny';

/** What the firewall compares: a rule's position, action and range. */
export interface RuleSpec {
  id: string;
  position: number;
  action: FirewallAction;
  cidr: string;
}

/** The answer for one address: which rule decided, or the default. */
export interface FirewallDecision {
  allowed: boolean;
  address: string;
  /** The rule that matched (its id, position, action and range), or null when the default decided. */
  rule: {id: string; position: number; action: FirewallAction; cidr: string} | null;
}

interface CompiledRule {
  spec: RuleSpec;
  set: CidrSet;
}

/**
 * A rule list ready to answer: each rule's range compiled once into Node's BlockList, tried in
 * position order; the first rule whose range holds the address decides, else the default.
 */
export class CompiledFirewall {
  private readonly rules: CompiledRule[];

  constructor(
    rules: readonly RuleSpec[],
    readonly defaultAction: FirewallAction,
  ) {
    this.rules = [...rules]
      .sort((a, b) => a.position - b.position)
      .map((spec) => ({spec, set: new CidrSet([parseCidr(spec.cidr)])}));
  }

  get size(): number {
    return this.rules.length;
  }

  decide(address: string): FirewallDecision {
    const normalized = normalizeAddress(address);
    for (const {spec, set} of this.rules) {
      if (set.has(normalized)) {
        const {id, position, action, cidr} = spec;
        return {allowed: action === 'allow', address: normalized, rule: {id, position, action, cidr}};
      }
    }
    return {allowed: this.defaultAction === 'allow', address: normalized, rule: null};
  }
}

/**
 * The client's address: the connection's peer, unless that peer is a trusted proxy; then the
 * X-Forwarded-For list is read from the right (the address each proxy saw), skipping trusted proxies,
 * and the first address that is not one is the client. A malformed entry ends the walk at the last
 * trusted hop: a header the client wrote itself cannot make it look like another address.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trusted: CidrSet | undefined,
): string {
  const direct = normalizeAddress(peer);
  if (!trusted || trusted.size === 0 || !trusted.has(direct) || forwardedFor === undefined) return direct;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  let client = direct;
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    let hop: string;
    try {
      hop = parseCidr(hops[index]!).network;
    } catch {
      return client;
    }
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}

/** The trusted-proxy ranges of the configuration, parsed (exit 2 naming a bad one). */
export function trustedSet(ranges: readonly string[]): CidrSet {
  return new CidrSet(ranges.map((range): Cidr => parseCidr(range)));
}
