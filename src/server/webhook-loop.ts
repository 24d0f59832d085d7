import type { Logger } from 'pino';
import type { AddressPolicy } from '../domain/address-policy.js';
import type { QueueContext } from '../queue/context.js';
import { deliverWebhooks } from '../queue/webhook-deliver.js';
import { pruneWebhooks } from '../queue/webhook-prune.js';
import { defaultTransport, type WebhookTransport } from '../queue/webhook-transport.js';

export interface WebhookLoopOptions {
  policy: AddressPolicy;
  /** Tests replace the DNS lookup and the connecting function; the default uses node:dns and node:http(s). */
  transport?: Partial<WebhookTransport>;
  everyMs?: number;
  /** Webhook history (ended deliveries, their events) is forgotten after this long; null: kept forever. */
  retentionMs?: number | null;
  /** How often old history is pruned (by the queue's clock). */
  pruneEveryMs?: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Runs a delivery pass every `everyMs` (one at a time), and now and then prunes history past its
 * retention; `stop` waits for the pass under way.
 */
export function startWebhookLoop(
  queue: QueueContext,
  logger: Logger,
  opts: WebhookLoopOptions,
): { stop(): Promise<void> } {
  const transport = { ...defaultTransport(), ...opts.transport };
  const retentionMs = opts.retentionMs ?? null;
  let prunedAt = -Infinity;
  let current: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (current) return;
    current = deliverWebhooks(queue, { transport, policy: opts.policy })
      .then(async (r) => {
        if (r.attempted > 0) logger.debug(r, 'webhook deliveries');
        if (retentionMs === null || queue.clock() - prunedAt < (opts.pruneEveryMs ?? PRUNE_EVERY_MS)) return;
        prunedAt = queue.clock();
        const pruned = await pruneWebhooks(queue, retentionMs);
        if (pruned.deliveries + pruned.events > 0) logger.info(pruned, 'old webhook deliveries and events pruned');
      })
      .catch((e) => logger.error({ err: e }, 'webhook delivery pass failed'))
      .finally(() => {
        current = null;
      });
  }, opts.everyMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
