import { isoTime } from '../protocol/wire-time.js';
import type { Kysely } from 'kysely';
import type { WebhookEventType, WebhookPayload } from '../protocol/webhooks.js';
import { eventJobView, getRunView, publicRun } from '../storage/run-views.js';
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
  const payload: WebhookPayload = { type: event.type, timestamp: isoTime(event.at), data: { run } };
  if (event.jobId === null) return payload;
  const job = await trx.selectFrom('jobs').selectAll().where('id', '=', event.jobId).executeTakeFirst();
  if (job) payload.data.job = eventJobView(job);
  return payload;
}
