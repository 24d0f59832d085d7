import { OPEN_DELIVERY_STATUSES } from '../protocol/webhooks.js';
import type { QueueContext } from './context.js';

/** Rows deleted per statement: short transactions, however much piled up. */
const BATCH = 500;
/** Statements per table per pass; the next pass goes on where this one stopped. */
const MAX_BATCHES = 20;

/**
 * Forgets webhook history older than `retentionMs`: deliveries that ended (delivered, failed or
 * cancelled) before then, and events fanned out before then that have no delivery left. Deliveries
 * still pending or being sent are kept, however old, and so are their events.
 */
export async function pruneWebhooks(
  ctx: QueueContext,
  retentionMs: number,
): Promise<{ deliveries: number; events: number }> {
  const cutoff = ctx.clock() - retentionMs;
  const deliveries = await inBatches(() =>
    ctx.db
      .deleteFrom('webhook_deliveries')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries as d')
          .select('d.id')
          .where('d.status', 'not in', OPEN_DELIVERY_STATUSES)
          .where('d.finished_at', '<', cutoff)
          .orderBy('d.id')
          .limit(BATCH),
      )
      .executeTakeFirst(),
  );
  const events = await inBatches(() =>
    ctx.db
      .deleteFrom('webhook_events')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_events as e')
          .select('e.id')
          .where('e.fanned_out', '=', 1)
          .where('e.created_at', '<', cutoff)
          .where((w) =>
            w.not(w.exists(w.selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id'))),
          )
          .orderBy('e.id')
          .limit(BATCH),
      )
      .executeTakeFirst(),
  );
  return { deliveries, events };
}

/** Runs a batched delete until it deletes less than a batch (or `MAX_BATCHES` times); the rows deleted. */
async function inBatches(deleteBatch: () => Promise<{ numDeletedRows: bigint }>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = Number((await deleteBatch()).numDeletedRows);
    total += n;
    if (n < BATCH) break;
  }
  return total;
}
