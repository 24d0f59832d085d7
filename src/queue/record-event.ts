import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WebhookEventType } from '../protocol/webhooks.js';
import { toJson } from '../storage/json.js';
import { prepared } from '../storage/prepared.js';
import { readRunTrigger } from '../storage/run-data.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { webhookPayload } from './webhook-payload.js';

/** The run's trigger (its callback URL) and whether its project has an enabled endpoint. */
const receiversOf = (lock: boolean) =>
  prepared((db, v: { runId: number }) =>
    db
      .selectFrom('runs')
      .select((eb) => [
        'runs.trigger',
        eb
          .exists(
            eb
              .selectFrom('webhook_endpoints')
              .select('webhook_endpoints.id')
              .whereRef('webhook_endpoints.project_id', '=', 'runs.project_id')
              .where('webhook_endpoints.disabled_at', 'is', null),
          )
          .as('has_endpoint'),
      ])
      .where('runs.id', '=', v.runId)
      .$if(lock, (q) => q.forUpdate()),
  );
const receivers = receiversOf(false);
const receiversLocked = receiversOf(true);

/**
 * Writes a run event to the outbox, in the caller's transaction: the event exists exactly when the
 * state change it reports was committed, and the webhook worker delivers it later. Call it right
 * after the guarded statement that made the change.
 *
 * The event carries its body, the run and job as they are in this transaction. Only events someone
 * receives are written: the run has a callback URL, or its project an enabled
 * webhook endpoint. An endpoint created later receives the events from then on. A busy queue
 * without receivers writes nothing here.
 *
 * Invariant: the run's row is locked first (PostgreSQL), so the events of one run get their ids in
 * commit order and the worker may rely on id order; SQLite has one writer and needs no lock.
 *
 * @example
 * if (Number(res.numUpdatedRows) > 0) await recordEvent(trx, ctx, 'run.started', runId);
 */
export async function recordEvent(
  trx: Kysely<Database>,
  ctx: QueueContext,
  type: WebhookEventType,
  runId: number,
  jobId: number | null = null,
): Promise<void> {
  const run = await (ctx.cap.rowLocks ? receiversLocked : receivers).first(trx, ctx.cap, { runId });
  if (!run) return;
  if (!run.has_endpoint && !readRunTrigger(run.trigger).callbackUrl) return;
  const at = ctx.clock();
  // The body is the state this change leaves, read in its own transaction: delivered later, it
  // still says what happened then (a late `run.queued` never says `completed`).
  const body = toJson(await webhookPayload(trx, { type, runId, jobId, at }));
  await trx
    .insertInto('webhook_events')
    .values({ uuid: randomUUID(), run_id: runId, job_id: jobId, type, created_at: at, body })
    .execute();
}
