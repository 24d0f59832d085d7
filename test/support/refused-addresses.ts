/**
 * Spellings of addresses the outbound policy must refuse (issue 16): every form that reaches the
 * loopback listener of a test, or the private and reserved ranges, as a URL host.
 */

/** Hosts that are 127.0.0.1 or ::1 (or carry it), as literal URL hosts: `http://${host}:${port}/`. */
export const LOOPBACK_HOSTS = [
  '127.0.0.1',
  '127.1', // the WHATWG parser normalises the short, decimal, octal and hex forms to 127.0.0.1
  '2130706433',
  '0x7f.1',
  '0x7f000001',
  '0x7f.0x0.0x0.0x1',
  '0177.0.0.1',
  '017700000001',
  '127.0.0.1.', // trailing dot
  '%31%32%37.0.0.1',
  '１２７.０.０.１', // full-width digits
  '127。0。0。1', // ideographic full stops
  '127.255.255.254',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.1]', // IPv4-mapped, in four spellings
  '[::ffff:7f00:1]',
  '[0:0:0:0:0:ffff:127.0.0.1]',
  '[::FFFF:127.0.0.1]',
  '[::ffff:0:127.0.0.1]', // IPv4-translated (the testers' find)
  '[::ffff:0:7f00:1]',
  '[::127.0.0.1]', // IPv4-compatible
  '[64:ff9b::127.0.0.1]', // NAT64
  '[64:ff9b:1::7f00:1]', // local-use NAT64
  '[2002:7f00:1::1]', // 6to4 of 127.0.0.1
  '[2001:0:4136:e378:8000:63bf:80ff:fffe]', // Teredo, client 127.0.0.1
  '0.0.0.0', // "this host": Linux connects it to loopback
  '0',
  '0.1.2.3',
  '[::]',
];

/** Private, link-local, reserved and transition hosts (nothing listens there; they must be refused before connecting). */
export const PRIVATE_HOSTS = [
  '169.254.169.254',
  '10.0.0.1',
  '172.16.0.1',
  '192.168.1.1',
  '100.64.0.1',
  '192.0.0.1',
  '192.0.2.1',
  '198.18.0.1',
  '192.88.99.1',
  '224.0.0.1',
  '255.255.255.255',
  '240.0.0.1',
  '[::ffff:10.0.0.1]',
  '[::ffff:169.254.169.254]',
  '[::ffff:0:10.0.0.1]',
  '[::ffff:0:a9fe:a9fe]',
  '[64:ff9b::a9fe:a9fe]',
  '[2002:a00:1::1]',
  '[fd00::1]',
  '[fe80::1]',
  '[fec0::1]',
  '[ff02::1]',
  '[100::1]',
  '[2001:db8::1]',
  '[3fff::1]',
  '[5f00::1]',
  '[2001:10::1]',
  '[2001:20::1]',
  '[2001:2::1]',
  '[4000::1]',
];

/** URLs no parser accepts: an IPv6 zone id, a dot after a bracketed address. Refused as not a URL. */
export const UNPARSEABLE_URLS = ['http://[fe80::1%25eth0]/', 'http://[::1%25lo]:80/', 'http://[::1]./'];

/**
 * Host names and what a (test) DNS answers for them: each answer holds a refused address, alone or
 * next to a public one.
 */
export const REFUSED_NAMES: Record<string, string[]> = {
  localhost: ['127.0.0.1'],
  'localhost.': ['127.0.0.1'],
  'rebind.test': ['93.184.216.34', '127.0.0.1'],
  'v6-loopback.test': ['::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'translated.test': ['::ffff:0:127.0.0.1'],
  'nat64.test': ['64:ff9b:1::7f00:1'],
  'zone.test': ['fe80::1%lo'],
  'metadata.test': ['169.254.169.254'],
  'internal.test': ['2606:2800:220:1::', '10.0.0.7'],
};

/** A lookup answering from `table` (family from the address), failing like an unknown host otherwise. */
export function tableLookup(table: Record<string, string[]>, seen: string[] = []) {
  return async (host: string) => {
    seen.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** `http://host:port/path` with `host` as listed (brackets included). */
export const urlOf = (host: string, port: number, path = '/') => `http://${host}:${port}${path}`;
