import { isoTimeOrNull } from '../protocol/wire-time.js';
import type { Kysely } from 'kysely';
import type { WebhookEventType, WebhookPayload } from '../protocol/webhooks.js';
import { getRunView, publicRun } from '../storage/run-views.js';
import type { Database } from '../storage/schema.js';

/**
 * The standard body of an event: its type, when it happened, the run as the API shows it and the
 * job, read in `trx` — the transaction of the change, so the body is the state the event reports.
 */
export async function webhookPayload(
  trx: Kysely<Database>,
  event: { type: WebhookEventType; runId: number; jobId: number | null; at: number },
): Promise<WebhookPayload> {
  const run = publicRun((await getRunView(trx, event.runId))!);
  const payload: WebhookPayload = { type: event.type, timestamp: new Date(event.at).toISOString(), data: { run } };
  if (event.jobId === null) return payload;
  const job = await trx.selectFrom('jobs').selectAll().where('id', '=', event.jobId).executeTakeFirst();
  if (job) {
    payload.data.job = {
      id: job.id,
      kind: job.kind,
      environment: job.environment_name,
      status: job.status,
      attempt: job.attempt,
      started_at: isoTimeOrNull(job.started_at),
      finished_at: isoTimeOrNull(job.finished_at),
      ended_by: job.ended_by,
      end_reason: job.end_reason,
      error: job.error,
    };
  }
  return payload;
}
