import {lookup as systemLookup} from 'node:dns/promises';
import {BlockList, isIP, type LookupFunction} from 'node:net';
import {invalidInput, permissionDenied} from '@systemprompt/core';

/** Resolves a host name to its addresses (the system resolver by default; tests give their own). */
export type Resolver = (hostname: string) => Promise<Array<{address: string; family: number}>>;

export const systemResolver: Resolver = (hostname) => systemLookup(hostname, {all: true, verbatim: true});

// Where a webhook must not reach unless allowed: this host, private networks, link-local (cloud
// metadata at 169.254.169.254), shared and reserved ranges, multicast.
const REFUSED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const REFUSED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const;

/** `::ffff:10.0.0.1` is 10.0.0.1: an IPv4-mapped address is judged as the IPv4 address it carries. */
function unmapped(address: string): {address: string; family: 'ipv4' | 'ipv6'} {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return {address: mapped[1]!, family: 'ipv4'};
  return {address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4'};
}

/** Parses `10.1.0.0/16`, `::1/128` or a bare address into a block list; exit 2 naming the bad entry. */
export function allowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address = '', prefix] = entry.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))
      throw invalidInput(`webhooks.allowNetworks: ${JSON.stringify(entry)} is not a CIDR block`, {
        code: 'WEBHOOK_ALLOW_INVALID',
        hint: 'Give blocks such as 10.1.0.0/16, 127.0.0.1/32 or ::1/128.',
      });
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const refused = (() => {
  const list = new BlockList();
  for (const [address, bits] of REFUSED_V4) list.addSubnet(address, bits, 'ipv4');
  for (const [address, bits] of REFUSED_V6) list.addSubnet(address, bits, 'ipv6');
  return list;
})();

/**
 * Decides which addresses a delivery may connect to, and resolves names through a resolver whose
 * answers it checks: the connection is made to the very address checked (no second look-up a DNS
 * rebinding could answer differently).
 */
export class NetworkGuard {
  private readonly allowed: BlockList;

  constructor(
    allow: readonly string[],
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.allowed = allowList(allow);
  }

  /** Why `address` may not be reached, or undefined when it may. */
  refusal(address: string): string | undefined {
    const {address: plain, family} = unmapped(address);
    if (this.allowed.check(plain, family)) return undefined;
    if (refused.check(plain, family))
      return `${address} is a private, loopback, link-local or reserved address (allow it with webhooks.allowNetworks)`;
    return undefined;
  }

  /** Throws exit 4 when `address` may not be reached. */
  assertAllowed(address: string, url: string): void {
    const reason = this.refusal(address);
    if (reason)
      throw permissionDenied(`Refused to deliver to ${url}: ${reason}`, {
        code: 'WEBHOOK_ADDRESS_REFUSED',
        details: {address},
      });
  }

  /** The addresses of `hostname` a delivery may use; throws when it has none. */
  async resolve(hostname: string, url: string): Promise<Array<{address: string; family: number}>> {
    const literal = hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal)) {
      this.assertAllowed(literal, url);
      return [{address: literal, family: isIP(literal)}];
    }
    let addresses: Array<{address: string; family: number}>;
    try {
      addresses = await this.resolver(hostname);
    } catch (error) {
      throw permissionDenied(
        `Refused to deliver to ${url}: ${hostname} does not resolve (${(error as Error).message})`,
        {
          code: 'WEBHOOK_ADDRESS_REFUSED',
          details: {hostname},
        },
      );
    }
    const usable = addresses.filter((each) => !this.refusal(each.address));
    if (usable.length === 0) {
      const first = addresses[0]?.address;
      throw permissionDenied(
        `Refused to deliver to ${url}: ${hostname} resolves to ${first ? this.refusal(first) : 'no address'}`,
        {code: 'WEBHOOK_ADDRESS_REFUSED', details: {hostname, addresses: addresses.map((each) => each.address)}},
      );
    }
    return usable;
  }

  /**
   * A `lookup` for node:http that answers only with addresses checked above; a refusal surfaces as
   * the request's error, before any connection is opened.
   */
  lookupFor(url: string): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname, url).then(
        (addresses) => {
          const wanted =
            options.family === 4 || options.family === 6
              ? addresses.filter((each) => each.family === options.family)
              : addresses;
          const list = wanted.length ? wanted : addresses;
          if (options.all) (callback as (error: null, list: typeof addresses) => void)(null, list);
          else callback(null, list[0]!.address, list[0]!.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, '', 0),
      );
    };
  }
}
