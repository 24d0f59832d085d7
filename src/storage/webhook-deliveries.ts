import { isoTimeOrNull } from '../protocol/wire-time.js';
import type { Kysely } from 'kysely';
import type { DeliveryStatus, WebhookDelivery } from '../protocol/webhooks.js';
import type { Database } from './schema.js';

/** The `webhook-id` of an event: the same on every attempt and for every receiver. */
export function messageId(eventUuid: string): string {
  return `msg_${eventUuid.replace(/-/g, '')}`;
}

/** The latest deliveries of an endpoint, newest first. */
export async function listEndpointDeliveries(
  db: Kysely<Database>,
  endpointId: number,
  limit: number,
): Promise<WebhookDelivery[]> {
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'e.uuid',
      'e.type',
      'd.run_id',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_attempt_at',
      'd.response_status',
      'd.last_error',
      'd.created_at',
      'd.finished_at',
    ])
    .where('d.endpoint_id', '=', endpointId)
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    message_id: messageId(r.uuid),
    event_type: r.type,
    run_id: r.run_id,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    next_attempt_at: r.status === 'pending' ? isoTimeOrNull(r.next_attempt_at) : null,
    last_attempt_at: isoTimeOrNull(r.last_attempt_at),
    response_status: r.response_status,
    last_error: r.last_error,
    created_at: isoTimeOrNull(r.created_at)!,
    finished_at: isoTimeOrNull(r.finished_at),
  }));
}
