import type { AddressPolicy } from '../domain/address-policy.js';
import { signatureHeader } from '../domain/webhook-signature.js';
import { ensureCallbackSecrets, liveSecrets, type SigningSecrets } from '../storage/signing-secrets.js';
import { messageId } from '../storage/webhook-deliveries.js';
import { getWebhookEndpoint } from '../storage/webhook-endpoints.js';
import type { QueueContext } from './context.js';
import { claimDelivery, releaseStaleDeliveries, type ClaimedDelivery } from './webhook-claim.js';
import { fanOutEvents } from './webhook-fanout.js';
import { recordOutcome, type SendResult } from './webhook-outcome.js';
import { postWebhook, type WebhookTransport } from './webhook-transport.js';

export interface DeliveryOptions {
  transport: WebhookTransport;
  policy: AddressPolicy;
  /** Deliveries sent at once. */
  concurrency?: number;
}

export interface DeliveryReport {
  fannedOut: number;
  attempted: number;
}

/**
 * One pass of the webhook worker: fan new events out, take back deliveries of dead workers, then
 * send every due delivery, a batch at a time, until none is due. Safe on any number of replicas.
 */
export async function deliverWebhooks(ctx: QueueContext, opts: DeliveryOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { fannedOut: await fanOutEvents(ctx), attempted: 0 };
  await releaseStaleDeliveries(ctx.db, ctx.clock());
  // Bounded, so one pass cannot run forever while events keep arriving.
  for (let round = 0; round < 50; round++) {
    const batch: ClaimedDelivery[] = [];
    for (let i = 0; i < (opts.concurrency ?? 8); i++) {
      const d = await claimDelivery(ctx);
      if (!d) break;
      batch.push(d);
    }
    if (batch.length === 0) break;
    await Promise.all(batch.map((d) => attempt(ctx, opts, d)));
    report.attempted += batch.length;
  }
  return report;
}

async function attempt(ctx: QueueContext, opts: DeliveryOptions, d: ClaimedDelivery): Promise<void> {
  const secrets = await secretsOf(ctx, d);
  if (!secrets) return; // the endpoint was deleted: so were its deliveries
  const now = ctx.clock();
  const id = messageId(d.eventUuid);
  const ts = Math.floor(now / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Proctor-Webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signatureHeader(liveSecrets(secrets, now), id, ts, d.body),
  };
  let result: SendResult;
  try {
    result = await postWebhook(opts.transport, opts.policy, d.url, headers, d.body, now);
  } catch (e) {
    result = { kind: 'failed', status: null, error: (e as Error).message, retryAfterMs: null };
  }
  await recordOutcome(ctx, d, result);
}

async function secretsOf(ctx: QueueContext, d: ClaimedDelivery): Promise<SigningSecrets | null> {
  if (d.endpointId === null) return ensureCallbackSecrets(ctx.db, d.projectId);
  return (await getWebhookEndpoint(ctx.db, d.endpointId))?.secrets ?? null;
}
