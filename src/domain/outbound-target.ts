import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import { refusedMessage } from './outbound-url.js';

/** Every address a host name resolves to (node:dns `lookup` with `all` and `verbatim`; tests pass a table). */
export type LookupFn = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The address a call may connect to, or why it may not. */
export type VettedHost = { ok: true; address: string; family: 4 | 6 } | { ok: false; refused: boolean; error: string };

/** A call the outbound policy refused; the job or delivery that made it ends without retrying. */
export class OutboundRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

/**
 * Resolves `host` (a name, or a literal address) and checks every address it resolves to: one
 * refused address refuses the host, so a name that answers a public and a private address cannot
 * reach the private one on a second resolution. The caller then connects to the address returned,
 * and only to it ({@link pinnedLookup}, git's `http.curloptResolve`). No I/O of its own: `lookup` does
 * the resolving.
 */
export async function vetHost(host: string, policy: AddressPolicy, lookup: LookupFn): Promise<VettedHost> {
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host);
  } catch (e) {
    return { ok: false, refused: false, error: `could not resolve ${host}: ${(e as Error).message}` };
  }
  if (addresses.length === 0) return { ok: false, refused: false, error: `${host} resolves to no address` };
  for (const a of addresses) {
    const as = policy.refusedAs(a.address);
    if (as) return { ok: false, refused: true, error: refusedMessage(host, as) };
  }
  const first = addresses[0]!;
  return { ok: true, address: first.address.replace(/%.*$/, ''), family: first.family === 6 ? 6 : 4 };
}

/**
 * A `lookup` for node:http(s) and node:net that answers only the vetted address, so the connection
 * cannot go anywhere a second DNS answer points to; the Host header, TLS SNI and the certificate
 * check keep the name.
 */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
    options?.all ? cb(null, [{ address, family }]) : cb(null, address, family)) as unknown as LookupFunction;
}
