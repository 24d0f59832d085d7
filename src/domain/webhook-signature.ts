import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the key is the base64 after `whsec_`, and the header
 * carries `v1,<base64 HMAC-SHA256>`, several space-separated while a secret is being rotated.
 */

const PREFIX = 'whsec_';

/** A fresh endpoint secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** One `v1,<base64>` signature of a message. */
export function signWebhook(secret: string, msgId: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${msgId}.${timestampS}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header value: one signature per live secret, space-separated. */
export function signatureHeader(secrets: readonly string[], msgId: string, timestampS: number, body: string): string {
  return secrets.map((s) => signWebhook(s, msgId, timestampS, body)).join(' ');
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * True when one of the header's signatures was made with `secret` over exactly this body, and the
 * timestamp is within `toleranceS` of `nowS` (replay protection).
 *
 * @example
 * verifyWebhook(process.env.PROCTOR_WEBHOOK_SECRET!, req.headers, rawBody, { nowS: Date.now() / 1000 })
 */
export function verifyWebhook(
  secret: string,
  headers: Partial<Record<keyof WebhookHeaders, string | string[] | undefined>>,
  body: string,
  opts: { nowS: number; toleranceS?: number },
): boolean {
  const [id, ts, sig] = [headers['webhook-id'], headers['webhook-timestamp'], headers['webhook-signature']];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string' || !/^\d+$/.test(ts)) return false;
  if (Math.abs(opts.nowS - Number(ts)) > (opts.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, id, Number(ts), body));
  return sig.split(' ').some((s) => {
    const given = Buffer.from(s);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
