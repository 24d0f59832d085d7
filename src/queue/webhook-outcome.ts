import { plural } from '../domain/plural.js';
import { keepStart } from '../domain/text-cap.js';
import { GIVE_UP_AFTER_MS, retryDelayMs } from '../domain/webhook-retry.js';
import type { QueueContext } from './context.js';
import type { ClaimedDelivery } from './webhook-claim.js';
import type { DeliveryStatus } from '../protocol/webhooks.js';

/** The longest `last_error` kept; a longer one is cut and ends in `…`, so a reader sees it was cut. */
const LAST_ERROR_CAP = 1000;

/** What one attempt of a delivery came to. */
export type SendResult =
  | { kind: 'delivered'; status: number }
  /** 410 Gone: the receiver asks never to be called again. */
  | { kind: 'gone'; status: number }
  /** Refused by the address policy before any connection: not retried. */
  | { kind: 'refused'; error: string }
  | { kind: 'failed'; status: number | null; error: string; retryAfterMs: number | null };

/**
 * Records an attempt: delivered; failed for good (refused, gone, or failing 24 h after the first
 * attempt); or pending again after the backoff or the receiver's Retry-After. A 410 disables the
 * endpoint (or stops the run's callbacks) and cancels what it still had pending. Every update is
 * guarded by `status = 'sending'`: an endpoint deleted meanwhile leaves nothing to record.
 */
export async function recordOutcome(ctx: QueueContext, d: ClaimedDelivery, r: SendResult): Promise<void> {
  const now = ctx.clock();
  const settle = (set: {
    status: DeliveryStatus;
    response_status?: number | null;
    last_error: string | null;
    next_attempt_at?: number;
    finished_at?: number | null;
  }) =>
    ctx.db
      .updateTable('webhook_deliveries')
      .set({ ...set, lease_expires_at: null })
      .where('id', '=', d.id)
      .where('status', '=', 'sending')
      .execute();
  if (r.kind === 'delivered') {
    await settle({ status: 'delivered', response_status: r.status, last_error: null, finished_at: now });
  } else if (r.kind === 'refused') {
    await settle({
      status: 'failed',
      response_status: null,
      last_error: keepStart(r.error, LAST_ERROR_CAP),
      finished_at: now,
    });
  } else if (r.kind === 'gone') {
    await settle({
      status: 'failed',
      response_status: r.status,
      last_error: 'the receiver answered 410 Gone: it is not called again',
      finished_at: now,
    });
    await stopTarget(ctx, d, now);
  } else if (now - d.firstAttemptAt >= GIVE_UP_AFTER_MS) {
    await settle({
      status: 'failed',
      response_status: r.status,
      last_error: keepStart(`gave up after ${plural(d.attempts, 'attempt')} over 24 h: ${r.error}`, LAST_ERROR_CAP),
      finished_at: now,
    });
  } else {
    const delay = r.retryAfterMs ?? retryDelayMs(d.attempts);
    await settle({
      status: 'pending',
      response_status: r.status,
      last_error: keepStart(r.error, LAST_ERROR_CAP),
      next_attempt_at: now + delay,
    });
  }
}

async function stopTarget(ctx: QueueContext, d: ClaimedDelivery, now: number): Promise<void> {
  const reason = 'the receiver answered 410 Gone';
  if (d.endpointId !== null) {
    await ctx.db
      .updateTable('webhook_endpoints')
      .set({ disabled_at: now, disabled_reason: reason })
      .where('id', '=', d.endpointId)
      .where('disabled_at', 'is', null)
      .execute();
  }
  let q = ctx.db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', last_error: reason, finished_at: now })
    .where('status', '=', 'pending');
  q =
    d.endpointId !== null
      ? q.where('endpoint_id', '=', d.endpointId)
      : q.where('run_id', '=', d.runId).where('target', '=', d.target);
  await q.execute();
}
