import { isIP } from 'node:net';

/**
 * Which addresses outbound calls (webhooks, run callbacks, app builds by URL, git remotes) may
 * reach. Loopback, private, link-local (cloud metadata at 169.254.169.254), unique-local,
 * carrier-grade NAT, documentation, multicast, reserved and unspecified ranges are refused unless an
 * administrator allows a range (PROCTOR_OUTBOUND_ALLOW_PRIVATE). IPv6 outside global unicast
 * (2000::/3) is refused too, and so is every IPv6 form that carries an IPv4 address a router or the
 * kernel may unwrap (IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo): judging those by their
 * IPv6 range alone let `::ffff:0:127.0.0.1` through. Only IPv4-mapped addresses (`::ffff:10.0.0.1`)
 * are judged as the IPv4 address they are, since a dual-stack socket connects to exactly that.
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
type Bytes = readonly number[];
interface Range {
  bytes: Bytes;
  prefix: number;
}
interface Refused extends Range {
  /** With its article: `a loopback address`. */
  what: string;
}

const refused = (cidr: string, what: string): Refused => ({ ...parseCidr(cidr)!, what });

// First match names the range, so the narrow ranges come before the wide ones that contain them.
const V4: Refused[] = [
  refused('0.0.0.0/8', 'an unspecified ("this network") address'),
  refused('10.0.0.0/8', 'a private address'),
  refused('100.64.0.0/10', 'a carrier-grade NAT address'),
  refused('127.0.0.0/8', 'a loopback address'),
  refused('169.254.0.0/16', 'a link-local (cloud metadata) address'),
  refused('172.16.0.0/12', 'a private address'),
  refused('192.0.0.0/24', 'an IETF protocol assignment address'),
  refused('192.0.2.0/24', 'a documentation address'),
  refused('192.88.99.0/24', 'a 6to4 relay address'),
  refused('192.168.0.0/16', 'a private address'),
  refused('198.18.0.0/15', 'a benchmarking address'),
  refused('198.51.100.0/24', 'a documentation address'),
  refused('203.0.113.0/24', 'a documentation address'),
  refused('224.0.0.0/4', 'a multicast address'),
  refused('240.0.0.0/4', 'a reserved or broadcast address'),
];
const V6: Refused[] = [
  refused('::/128', 'an unspecified address'),
  refused('::1/128', 'a loopback address'),
  refused('::ffff:0:0:0/96', 'an IPv4-translated address (it may carry a private IPv4 address)'),
  refused('::/96', 'an IPv4-compatible address (it may carry a private IPv4 address)'),
  refused('64:ff9b::/96', 'a NAT64 address (it may carry a private IPv4 address)'),
  refused('64:ff9b:1::/48', 'a local-use NAT64 address (it may carry a private IPv4 address)'),
  refused('100::/64', 'a discard address'),
  refused('2001::/32', 'a Teredo address (it may carry a private IPv4 address)'),
  refused('2001:10::/28', 'an ORCHID address'),
  refused('2001:20::/28', 'an ORCHIDv2 address'),
  refused('2001::/23', 'an IETF protocol assignment address'),
  refused('2001:db8::/32', 'a documentation address'),
  refused('2002::/16', 'a 6to4 address (it may carry a private IPv4 address)'),
  refused('3fff::/20', 'a documentation address'),
  refused('5f00::/16', 'an SRv6 segment identifier'),
  refused('fc00::/7', 'a unique-local address'),
  refused('fe80::/10', 'a link-local address'),
  refused('fec0::/10', 'a site-local address'),
  refused('ff00::/8', 'a multicast address'),
];
const GLOBAL_UNICAST = parseCidr('2000::/3')!;
const MAPPED = parseCidr('::ffff:0:0/96')!;

/** The ranges an administrator allowed; build it once from the configuration. */
export class AddressPolicy {
  private readonly allowed: Range[] = [];

  /** @param allow CIDRs such as `127.0.0.0/8` or `fd00::/8`; parse them with {@link parseCidrs} first. */
  constructor(readonly allow: readonly string[] = []) {
    for (const cidr of allow) {
      const range = parseCidr(cidr);
      if (!range) throw new Error(`not a CIDR range: ${cidr}`);
      // `::ffff:127.0.0.0/104` allows what `127.0.0.0/8` allows: mapped addresses are judged as IPv4.
      this.allowed.push(
        range.bytes.length === 16 && range.prefix >= 96 && inRange(range.bytes, MAPPED)
          ? { bytes: range.bytes.slice(12), prefix: range.prefix - 96 }
          : range,
      );
    }
  }

  /**
   * What kind of address refuses `address`, with its article (`a loopback address`), or null when it
   * may be reached. An IPv6 zone (`fe80::1%eth0`) names an interface, not a range: it is ignored.
   */
  refusedAs(address: string): string | null {
    let bytes = parseAddress(address);
    if (!bytes) return 'an address that is not an IP address';
    if (bytes.length === 16 && inRange(bytes, MAPPED)) bytes = bytes.slice(12);
    if (this.allowed.some((r) => inRange(bytes, r))) return null;
    const hit = (bytes.length === 4 ? V4 : V6).find((r) => inRange(bytes, r));
    if (hit) return hit.what;
    if (bytes.length === 16 && !inRange(bytes, GLOBAL_UNICAST))
      return 'a reserved IPv6 address (outside global unicast, 2000::/3)';
    return null;
  }

  /** Why `address` may not be reached (`10.0.0.1 is a private address`), or null when it may. */
  refusal(address: string): string | null {
    const as = this.refusedAs(address);
    if (as === null) return null;
    return parseAddress(address) ? `${address.replace(/%.*$/, '')} is ${as}` : `${address} is not an IP address`;
  }
}

function inRange(bytes: Bytes, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const mask = range.prefix - bit >= 8 ? 0xff : (0xff << (8 - (range.prefix - bit))) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (range.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

/** The bytes of an IPv4 or IPv6 address in its standard text form (no zone), or null. */
function parseAddress(text: string): number[] | null {
  const ip = text.replace(/%.*$/, '');
  const version = isIP(ip);
  if (version === 4) return ip.split('.').map(Number);
  if (version !== 6) return null;
  // isIP accepted it: at most one "::", hex groups, perhaps a dotted IPv4 tail.
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) out.push(...g.split('.').map(Number));
      else {
        const n = parseInt(g, 16);
        out.push(n >> 8, n & 0xff);
      }
    }
    return out;
  };
  const [head = '', tail] = ip.toLowerCase().split('::');
  const a = groups(head);
  const b = tail === undefined ? [] : groups(tail);
  return [...a, ...new Array<number>(16 - a.length - b.length).fill(0), ...b];
}

function parseCidr(cidr: string): Range | null {
  const [address = '', prefixText, extra] = cidr.trim().split('/');
  if (extra !== undefined || address.includes('%')) return null;
  const bytes = parseAddress(address);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  return prefix <= max ? { bytes, prefix } : null;
}

/** Splits a comma-separated list of CIDRs; `bad` lists the entries that are not ranges. */
export function parseCidrs(text: string): { ranges: string[]; bad: string[] } {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { ranges: items.filter((c) => parseCidr(c)), bad: items.filter((c) => !parseCidr(c)) };
}
