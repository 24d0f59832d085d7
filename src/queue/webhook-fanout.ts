import type { Kysely, Selectable } from 'kysely';
import { formatPayload } from '../domain/chat-formats.js';
import type { WebhookEventType, WebhookFormat, WebhookPayload } from '../protocol/webhooks.js';
import { fromJson, toJson } from '../storage/json.js';
import type { Database, WebhookEventTable } from '../storage/schema.js';
import { listWebhookEndpoints } from '../storage/webhook-endpoints.js';
import { readRunTrigger } from '../storage/run-data.js';
import type { QueueContext } from './context.js';
import { webhookPayload } from './webhook-payload.js';

interface Target {
  target: string;
  endpointId: number | null;
  url: string;
  format: WebhookFormat;
}

/**
 * Turns recorded events into deliveries, oldest event first: one per receiver (the run's callback
 * URL and each enabled endpoint of its project that wants the event type). The guarded update makes
 * each event fan out once however many replicas run this. Returns how many events it handled.
 */
export async function fanOutEvents(ctx: QueueContext, limit = 100): Promise<number> {
  const pending = await ctx.db
    .selectFrom('webhook_events')
    .select('id')
    .where('fanned_out', '=', 0)
    .orderBy('id')
    .limit(limit)
    .execute();
  let n = 0;
  for (const e of pending) if (await ctx.db.transaction().execute((trx) => fanOutOne(trx, ctx, e.id))) n++;
  return n;
}

async function fanOutOne(trx: Kysely<Database>, ctx: QueueContext, eventId: number): Promise<boolean> {
  const event = await trx
    .updateTable('webhook_events')
    .set({ fanned_out: 1 })
    .where('id', '=', eventId)
    .where('fanned_out', '=', 0)
    .returningAll()
    .executeTakeFirst();
  if (!event) return false;
  const run = await trx
    .selectFrom('runs')
    .select(['project_id', 'trigger'])
    .where('id', '=', event.run_id)
    .executeTakeFirstOrThrow();
  const targets = await targetsOf(trx, event.type, run.project_id, readRunTrigger(run.trigger).callbackUrl);
  if (targets.length === 0) return true;
  const payload = await payloadOf(trx, event);
  const now = ctx.clock();
  await trx
    .insertInto('webhook_deliveries')
    .values(
      targets.map((t) => ({
        event_id: event.id,
        run_id: event.run_id,
        project_id: run.project_id,
        target: t.target,
        endpoint_id: t.endpointId,
        url: t.url,
        format: t.format,
        body: toJson(formatPayload(t.format, payload)),
        status: 'pending',
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .execute();
  return true;
}

async function targetsOf(
  trx: Kysely<Database>,
  type: WebhookEventType,
  projectId: number,
  callbackUrl: string | null | undefined,
): Promise<Target[]> {
  const out: Target[] = callbackUrl
    ? [{ target: 'callback', endpointId: null, url: callbackUrl, format: 'standard' }]
    : [];
  for (const e of await listWebhookEndpoints(trx, [projectId])) {
    if (e.disabledAt === null && e.events.includes(type))
      out.push({ target: `endpoint:${e.id}`, endpointId: e.id, url: e.url, format: e.format });
  }
  return out;
}

/** The body written with the event; an event from before migration 0010 has none and gets today's state. */
async function payloadOf(trx: Kysely<Database>, event: Selectable<WebhookEventTable>): Promise<WebhookPayload> {
  const written = fromJson<WebhookPayload | null>(event.body, null);
  if (written) return written;
  return webhookPayload(trx, {
    type: event.type,
    runId: event.run_id,
    jobId: event.job_id,
    at: event.created_at,
  });
}
