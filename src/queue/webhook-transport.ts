import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import type { AddressPolicy } from '../domain/address-policy.js';
import { pinnedLookup, vetHost, type LookupFn } from '../domain/outbound-target.js';
import { hostOf } from '../domain/outbound-url.js';
import { parseRetryAfter } from '../domain/webhook-retry.js';
import type { SendResult } from './webhook-outcome.js';

export type { LookupFn };
/** Opens an HTTP(S) request; the only function that connects anywhere. */
export type RequestFn = (url: URL, options: RequestOptions) => ClientRequest;

/** How deliveries reach the network; tests replace `lookup` and `request`. */
export interface WebhookTransport {
  lookup: LookupFn;
  request: RequestFn;
  /** Whole attempt, connection to last byte read. */
  timeoutMs: number;
  /** Response bytes read at most; the rest is not waited for. */
  maxResponseBytes: number;
}

/** node:dns with every address, node:http(s), 15 s per attempt, 64 KiB of answer. */
export function defaultTransport(): WebhookTransport {
  return {
    lookup: (host) => dnsLookup(host, { all: true, verbatim: true }),
    request: (url, options) => (url.protocol === 'https:' ? https.request : http.request)(url, options),
    timeoutMs: 15_000,
    maxResponseBytes: 64 * 1024,
  };
}

/**
 * POSTs a JSON body. The host is resolved first and every address it resolves to must pass the
 * policy, else the attempt is refused before any connection; the connection then goes to the vetted
 * address (pinned through `lookup`, so a second DNS answer cannot switch it), while the Host header,
 * TLS SNI and certificate check keep the name. Redirects are not followed: a 3xx is a failed attempt.
 */
export async function postWebhook(
  t: WebhookTransport,
  policy: AddressPolicy,
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  now: number,
): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { kind: 'refused', error: 'refused: not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { kind: 'refused', error: `refused: ${url.protocol} is not http(s)` };
  const vetted = await vetHost(hostOf(url), policy, t.lookup);
  if (!vetted.ok)
    return vetted.refused
      ? { kind: 'refused', error: vetted.error }
      : { kind: 'failed', status: null, error: vetted.error, retryAfterMs: null };
  return send(
    t,
    url,
    vetted,
    { ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' },
    body,
    now,
  );
}

function send(
  t: WebhookTransport,
  url: URL,
  to: { address: string; family: 4 | 6 },
  headers: Record<string, string>,
  body: string,
  now: number,
): Promise<SendResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: SendResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = t.request(url, { method: 'POST', headers, lookup: pinnedLookup(to.address, to.family), agent: false });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${t.timeoutMs / 1000} s`)), t.timeoutMs);
    req.on('error', (e) => finish({ kind: 'failed', status: null, error: e.message, retryAfterMs: null }));
    req.on('response', (res) => readCapped(res, t.maxResponseBytes, () => finish(classify(res, now))));
    req.end(body);
  });
}

/** Reads at most `max` bytes of the response, then lets it go. */
function readCapped(res: IncomingMessage, max: number, then: () => void): void {
  let seen = 0;
  res.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > max) {
      res.destroy();
      then();
    }
  });
  res.on('end', then);
  res.on('error', then);
  res.on('close', then);
}

function classify(res: IncomingMessage, now: number): SendResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status };
  const retryAfter = res.headers['retry-after'];
  return {
    kind: 'failed',
    status,
    error: `the receiver answered ${status}`,
    retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, now),
  };
}
