import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressPolicy } from '../domain/address-policy.js';
import { OutboundRefusedError, pinnedLookup, vetHost, type LookupFn } from '../domain/outbound-target.js';
import { hostOf } from '../domain/outbound-url.js';

/** How downloads reach the network; tests replace `lookup` (DNS is the third party there). */
export interface DownloadTransport {
  lookup: LookupFn;
  /** Redirects followed at most; each hop is vetted like the first URL. */
  maxRedirects: number;
  /** A connection that sends nothing for this long is given up. */
  idleMs: number;
}

/** node:dns with every address, 5 redirects, 60 s without a byte. */
export function defaultDownloadTransport(): DownloadTransport {
  return { lookup: (host) => dnsLookup(host, { all: true, verbatim: true }), maxRedirects: 5, idleMs: 60_000 };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a URL under the outbound policy and returns the 2xx response, its body unread. Every hop's
 * host is resolved and each address checked before anything connects; the connection goes to the
 * vetted address only (the same pinning as webhook deliveries). Redirects are followed here, a few
 * at most, each hop vetted again; none may go from https to http. No credentials of ours are ever
 * sent. A refusal throws {@link OutboundRefusedError} naming the host and the setting, and nothing
 * of what the target answered.
 */
export async function vettedDownload(
  rawUrl: string,
  policy: AddressPolicy,
  signal: AbortSignal,
  t: DownloadTransport = defaultDownloadTransport(),
): Promise<IncomingMessage> {
  let url = parseUrl(rawUrl);
  for (let hop = 0; ; hop++) {
    const at = hop === 0 ? '' : ` (redirect ${hop})`;
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new OutboundRefusedError(`refused${at}: ${url.protocol.replace(/:$/, '')} is not http(s)`);
    if (url.username || url.password) throw new OutboundRefusedError(`refused${at}: the URL carries credentials`);
    const host = hostOf(url);
    const vetted = await vetHost(host, policy, t.lookup);
    if (!vetted.ok)
      throw vetted.refused
        ? new OutboundRefusedError(vetted.error.replace(/^refused/, `refused${at}`))
        : new Error(vetted.error);
    const res = await get(url, vetted, signal, t.idleMs);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location) {
      res.destroy();
      if (hop >= t.maxRedirects) throw new Error(`${host} redirected more than ${t.maxRedirects} times`);
      const next = parseUrl(location, url);
      if (url.protocol === 'https:' && next.protocol === 'http:')
        throw new OutboundRefusedError(`refused (redirect ${hop + 1}): from https to http`);
      url = next;
      continue;
    }
    if (status < 200 || status >= 300) {
      res.destroy();
      throw new Error(`${host} answered ${status}`);
    }
    return res;
  }
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new OutboundRefusedError(
      base ? 'refused: a redirect to something that is not a URL' : 'refused: not an absolute http(s) URL',
    );
  }
}

function get(
  url: URL,
  to: { address: string; family: 4 | 6 },
  signal: AbortSignal,
  idleMs: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? https.request : http.request;
    // agent: false, so no pooled socket (connected elsewhere before) is reused.
    const req = request(url, {
      method: 'GET',
      headers: { accept: '*/*', 'user-agent': 'Proctor-Agent/1' },
      lookup: pinnedLookup(to.address, to.family),
      agent: false,
      signal,
    });
    req.setTimeout(idleMs, () => req.destroy(new Error(`${hostOf(url)} sent nothing for ${idleMs / 1000} s`)));
    req.on('error', (e) => reject(new Error(`could not download from ${hostOf(url)}: ${e.message}`, { cause: e })));
    req.on('response', resolve);
    req.end();
  });
}
