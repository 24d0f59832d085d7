import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/**
 * The one setting that lets outbound calls reach private ranges: webhooks, run callbacks, app builds
 * by URL and git remotes. `PROCTOR_WEBHOOK_ALLOW_PRIVATE`, its old name, is still read.
 */
export const OUTBOUND_ALLOW_SETTING = 'PROCTOR_OUTBOUND_ALLOW_PRIVATE';

/**
 * Checks a URL Proctor will call (a callback, a webhook, an app build) before it is stored: http or
 * https, no credentials, and no literal IP address the policy refuses. Host names are checked again,
 * resolved, each time the URL is called. Returns the problem, or null.
 *
 * @example outboundUrlProblem('http://0x7f.1/hook', new AddressPolicy()) // '127.0.0.1 is a loopback address; …'
 */
export function outboundUrlProblem(raw: string, policy: AddressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `expected an http(s) URL, got ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password) return 'must not carry credentials; put them in the path or query';
  return literalAddressProblem(hostOf(url), policy);
}

/** The problem of a host that is a literal IP address the policy refuses, or null (names are judged when resolved). */
export function literalAddressProblem(host: string, policy: AddressPolicy): string | null {
  if (!isIP(host)) return null;
  const refusal = policy.refusal(host);
  return refusal
    ? `${refusal}; Proctor does not call such addresses unless an administrator allows them (${OUTBOUND_ALLOW_SETTING})`
    : null;
}

/**
 * What a refused call says: the host, the kind of address and the setting that would allow it, and
 * nothing of the addresses a name resolved to or of any answer.
 */
export function refusedMessage(host: string, refusedAs: string): string {
  return `refused: ${host} ${isIP(host) ? 'is' : 'resolves to'} ${refusedAs} (allow it with ${OUTBOUND_ALLOW_SETTING})`;
}

/** The URL's host without IPv6 brackets. The WHATWG parser already normalised `0x7f.1` or `2130706433` to `127.0.0.1`. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
