import { BlockList, isIP } from 'node:net';

/**
 * Which addresses outbound callbacks may reach. Loopback, private, link-local (cloud metadata at
 * 169.254.169.254), unique-local, carrier-grade NAT, documentation, multicast and unspecified ranges
 * are refused unless an administrator allows a range (PROCTOR_WEBHOOK_ALLOW_PRIVATE). IPv4-mapped
 * IPv6 addresses (`::ffff:10.0.0.1`) are judged as the IPv4 address they carry.
 */

type Range = [address: string, prefix: number, reason: string];

const V4: Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V6: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible'],
  ['64:ff9b::', 96, 'NAT64 (may embed a private IPv4 address)'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (may embed a private IPv4 address)'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const FORBIDDEN = [...V4.map((r) => [r, 'ipv4'] as const), ...V6.map((r) => [r, 'ipv6'] as const)].map(([[address, prefix, reason], type]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, type);
  return { list, reason };
});

/** The ranges an administrator allowed; build it once from the configuration. */
export class AddressPolicy {
  private readonly allowed = new BlockList();

  /** @param allow CIDRs such as `127.0.0.0/8` or `fd00::/8`; parse them with {@link parseCidrs} first. */
  constructor(readonly allow: readonly string[] = []) {
    for (const cidr of allow) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`not a CIDR range: ${cidr}`);
      this.allowed.addSubnet(parsed.address, parsed.prefix, parsed.type);
    }
  }

  /** Why `ip` may not be reached, or null when it may. */
  refusal(address: string): string | null {
    const ip = address.replace(/%.*$/, ''); // an IPv6 zone (`fe80::1%eth0`) names an interface, not a range
    const type = isIP(ip) === 6 ? 'ipv6' : isIP(ip) === 4 ? 'ipv4' : null;
    if (type === null) return `${ip} is not an IP address`;
    if (this.allowed.check(ip, type)) return null;
    const hit = FORBIDDEN.find((f) => f.list.check(ip, type));
    return hit ? `${ip} is a ${hit.reason} address` : null;
  }
}

function parseCidr(cidr: string): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText] = cidr.trim().split('/');
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return null;
  return { address, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Splits a comma-separated list of CIDRs; `bad` lists the entries that are not ranges. */
export function parseCidrs(text: string): { ranges: string[]; bad: string[] } {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  return { ranges: items.filter((c) => parseCidr(c)), bad: items.filter((c) => !parseCidr(c)) };
}
