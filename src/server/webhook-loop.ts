import type { Logger } from 'pino';
import type { AddressPolicy } from '../domain/address-policy.js';
import type { QueueContext } from '../queue/context.js';
import { deliverWebhooks } from '../queue/webhook-deliver.js';
import { defaultTransport, type WebhookTransport } from '../queue/webhook-transport.js';

export interface WebhookLoopOptions {
  policy: AddressPolicy;
  /** Tests replace the DNS lookup and the connecting function; the default uses node:dns and node:http(s). */
  transport?: Partial<WebhookTransport>;
  everyMs?: number;
}

/** Runs a delivery pass every `everyMs` (one at a time); `stop` waits for the pass under way. */
export function startWebhookLoop(queue: QueueContext, logger: Logger, opts: WebhookLoopOptions): { stop(): Promise<void> } {
  const transport = { ...defaultTransport(), ...opts.transport };
  let current: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (current) return;
    current = deliverWebhooks(queue, { transport, policy: opts.policy })
      .then((r) => {
        if (r.attempted > 0) logger.debug(r, 'webhook deliveries');
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
