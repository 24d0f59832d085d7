import type { Kysely, Selectable } from 'kysely';
import { formatPayload } from '../domain/chat-formats.js';
import type { WebhookEventType, WebhookFormat, WebhookPayload } from '../protocol/webhooks.js';
import { fromJson, toJson } from '../storage/json.js';
import { getRunView } from '../storage/run-views.js';
import type { Database, WebhookEventTable } from '../storage/schema.js';
import { listWebhookEndpoints } from '../storage/webhook-endpoints.js';
import type { QueueContext } from './context.js';

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
  const pending = await ctx.db.selectFrom('webhook_events').select('id').where('fanned_out', '=', 0).orderBy('id').limit(limit).execute();
  let n = 0;
  for (const e of pending) if (await ctx.db.transaction().execute((trx) => fanOutOne(trx, ctx, e.id))) n++;
  return n;
}

async function fanOutOne(trx: Kysely<Database>, ctx: QueueContext, eventId: number): Promise<boolean> {
  const event = await trx.updateTable('webhook_events').set({ fanned_out: 1 }).where('id', '=', eventId).where('fanned_out', '=', 0).returningAll().executeTakeFirst();
  if (!event) return false;
  const run = await trx.selectFrom('runs').select(['project_id', 'trigger']).where('id', '=', event.run_id).executeTakeFirstOrThrow();
  const targets = await targetsOf(trx, event.type as WebhookEventType, run.project_id, fromJson<{ callbackUrl?: string | null }>(run.trigger, {}).callbackUrl);
  if (targets.length === 0) return true;
  const payload = await buildPayload(trx, event);
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

async function targetsOf(trx: Kysely<Database>, type: WebhookEventType, projectId: number, callbackUrl: string | null | undefined): Promise<Target[]> {
  const out: Target[] = callbackUrl ? [{ target: 'callback', endpointId: null, url: callbackUrl, format: 'standard' }] : [];
  for (const e of await listWebhookEndpoints(trx, [projectId])) {
    if (e.disabledAt === null && e.events.includes(type)) out.push({ target: `endpoint:${e.id}`, endpointId: e.id, url: e.url, format: e.format });
  }
  return out;
}

/** The standard body: the event type, when it happened, the run as the API shows it, and the job. */
async function buildPayload(trx: Kysely<Database>, event: Selectable<WebhookEventTable>): Promise<WebhookPayload> {
  const { projectId: _omit, ...run } = (await getRunView(trx, event.run_id))!;
  const payload: WebhookPayload = { type: event.type as WebhookEventType, timestamp: new Date(event.created_at).toISOString(), data: { run } };
  if (event.job_id !== null) {
    const job = await trx.selectFrom('jobs').selectAll().where('id', '=', event.job_id).executeTakeFirst();
    if (job) {
      payload.data.job = {
        id: job.id,
        kind: job.kind,
        environment: job.environment_name,
        status: job.status,
        attempt: job.attempt,
        started_at: job.started_at === null ? null : new Date(job.started_at).toISOString(),
        finished_at: job.finished_at === null ? null : new Date(job.finished_at).toISOString(),
        ended_by: job.ended_by,
        end_reason: job.end_reason,
        error: job.error,
      };
    }
  }
  return payload;
}
