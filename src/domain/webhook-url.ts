import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/**
 * Checks a callback or webhook URL before it is stored: http or https, no credentials, and no literal
 * IP address the policy refuses. Host names are checked again, resolved, when a delivery is sent.
 * Returns the problem, or null.
 */
export function webhookUrlProblem(raw: string, policy: AddressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `expected an http(s) URL, got ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password) return 'must not carry credentials; put them in the path or query';
  const host = hostOf(url);
  if (isIP(host)) {
    const refusal = policy.refusal(host);
    if (refusal) return `${refusal}; Proctor does not call such addresses unless an administrator allows them (PROCTOR_WEBHOOK_ALLOW_PRIVATE)`;
  }
  return null;
}

/** The URL's host without IPv6 brackets. The WHATWG parser already normalised `0x7f.1` or `2130706433` to `127.0.0.1`. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
