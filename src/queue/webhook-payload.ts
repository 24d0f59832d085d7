import type { Kysely } from 'kysely';
import type { WebhookEventType, WebhookPayload } from '../protocol/webhooks.js';
import { getRunView } from '../storage/run-views.js';
import type { Database } from '../storage/schema.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The standard body of an event: its type, when it happened, the run as the API shows it and the
 * job, read in `trx` — the transaction of the change, so the body is the state the event reports.
 */
export async function webhookPayload(trx: Kysely<Database>, event: { type: WebhookEventType; runId: number; jobId: number | null; at: number }): Promise<WebhookPayload> {
  const { projectId: _omit, ...run } = (await getRunView(trx, event.runId))!;
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
      started_at: iso(job.started_at),
      finished_at: iso(job.finished_at),
      ended_by: job.ended_by,
      end_reason: job.end_reason,
      error: job.error,
    };
  }
  return payload;
}
