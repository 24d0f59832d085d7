import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WebhookEventType } from '../protocol/webhooks.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';

/**
 * Writes a run event to the outbox, in the caller's transaction: the event exists exactly when the
 * state change it reports was committed, and the webhook worker delivers it later. Call it right
 * after the guarded statement that made the change.
 *
 * Invariant: the run's row is locked first (PostgreSQL), so the events of one run get their ids in
 * commit order and the worker may rely on id order; SQLite has one writer and needs no lock.
 *
 * @example
 * if (Number(res.numUpdatedRows) > 0) await recordEvent(trx, ctx, 'run.started', runId);
 */
export async function recordEvent(trx: Kysely<Database>, ctx: QueueContext, type: WebhookEventType, runId: number, jobId: number | null = null): Promise<void> {
  if (ctx.cap.rowLocks) await trx.selectFrom('runs').select('id').where('id', '=', runId).forUpdate().execute();
  await trx.insertInto('webhook_events').values({ uuid: randomUUID(), run_id: runId, job_id: jobId, type, created_at: ctx.clock() }).execute();
}
