import {BlockList, isIP} from 'node:net';
import {invalidInput} from '@systemprompt/core';

/** An address range: its canonical text and the family it belongs to. */
export interface Cidr {
  /** `127.0.0.2/32`, `10.0.0.0/8`, `::1/128`, `fd00::/8` (the network address, not the one typed). */
  text: string;
  family: 'ipv4' | 'ipv6';
  network: string;
  prefix: number;
}

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The address as the firewall compares it: an IPv4-mapped IPv6 address (`::ffff:127.0.0.2`, what a
 * dual-stack socket reports for an IPv4 peer) becomes the IPv4 address; a zone (`fe80::1%lo`) goes.
 */
export function normalizeAddress(address: string): string {
  const bare = address
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = MAPPED.exec(bare);
  return (mapped ? mapped[1]! : bare).toLowerCase();
}

function ipv4ToBytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6ToBytes(address: string): number[] {
  let text = address;
  let tail: number[] = [];
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    tail = ipv4ToBytes(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right];
  const bytes = groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function bytesToIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let index = 0; index < 16; index += 2) groups.push((bytes[index]! << 8) | bytes[index + 1]!);
  // The longest run of zero groups (two or more) becomes `::` (RFC 5952).
  let best = -1;
  let bestLength = 0;
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength && end - start >= 2) {
      best = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, index) => {
    const bits = Math.max(0, Math.min(8, prefix - index * 8));
    return bits === 8 ? byte : byte & ((0xff << (8 - bits)) & 0xff);
  });
}

const cidrInvalid = (text: string, why: string) =>
  invalidInput(`${JSON.stringify(text)} is not an address or CIDR range: ${why}`, {
    code: 'NETWORK_CIDR_INVALID',
    hint: 'For example 127.0.0.2, 10.0.0.0/8, ::1 or fd00::/8.',
  });

/** Parses `ADDRESS[/PREFIX]` (a bare address is /32 or /128) into its canonical range; exit 2 otherwise. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const [addressPart, prefixPart, extra] = trimmed.split('/');
  if (extra !== undefined || !addressPart) throw cidrInvalid(text, 'expected ADDRESS or ADDRESS/PREFIX');
  const address = normalizeAddress(addressPart);
  const version = isIP(address);
  if (version === 0) throw cidrInvalid(text, `${addressPart} is not an IPv4 or IPv6 address`);
  const max = version === 4 ? 32 : 128;
  if (prefixPart !== undefined && !/^\d{1,3}$/.test(prefixPart)) throw cidrInvalid(text, 'the prefix is not a number');
  // An IPv4-mapped address was written as IPv6: its prefix counts the 96 bits before the IPv4 part.
  const mapped = version === 4 && isIP(addressPart.replace(/^\[|\]$/g, '')) === 6;
  let prefix = prefixPart === undefined ? max : Number(prefixPart);
  if (mapped && prefixPart !== undefined) prefix -= 96;
  if (prefix < 0 || prefix > max) throw cidrInvalid(text, `the prefix must be 0 to ${max}`);
  const bytes = maskBytes(version === 4 ? ipv4ToBytes(address) : ipv6ToBytes(address), prefix);
  const network = version === 4 ? bytes.join('.') : bytesToIpv6(bytes);
  return {text: `${network}/${prefix}`, family: version === 4 ? 'ipv4' : 'ipv6', network, prefix};
}

/**
 * A set of ranges, matched with Node's own BlockList (no dependency). One list per family: BlockList
 * matches an IPv4 address against IPv6 ranges too (as ::ffff:a.b.c.d), so `::/0` would hold every
 * IPv4 address; here an IPv6 range holds IPv6 addresses only (mapped ones are IPv4 already).
 */
export class CidrSet {
  private readonly v4 = new BlockList();
  private readonly v6 = new BlockList();
  readonly size: number;

  constructor(ranges: readonly Cidr[]) {
    for (const range of ranges)
      (range.family === 'ipv4' ? this.v4 : this.v6).addSubnet(range.network, range.prefix, range.family);
    this.size = ranges.length;
  }

  /** Whether `address` (normalized by the caller or not) falls in one of the ranges. */
  has(address: string): boolean {
    const bare = normalizeAddress(address);
    const version = isIP(bare);
    if (version === 4) return this.v4.check(bare, 'ipv4');
    if (version === 6) return this.v6.check(bare, 'ipv6');
    return false;
  }
}
