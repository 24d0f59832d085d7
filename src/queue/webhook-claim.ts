import type { Kysely } from 'kysely';
import { OPEN_DELIVERY_STATUSES } from '../protocol/webhooks.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';

/** A delivery this worker holds until it records the attempt's outcome. */
export interface ClaimedDelivery {
  id: number;
  eventUuid: string;
  runId: number;
  projectId: number;
  target: string;
  endpointId: number | null;
  url: string;
  body: string;
  attempts: number;
  firstAttemptAt: number;
}

/** A claimed delivery not settled within this time (its worker died) is offered again. */
export const DELIVERY_LEASE_MS = 60_000;

/**
 * Claims the next due delivery with one guarded statement. A delivery is due when its retry time has
 * come and nothing before it is open for the same run and receiver: no earlier delivery still
 * pending or being sent, and no earlier event of the run not yet fanned out. So each receiver gets
 * the events of a run in order, one at a time, and a receiver that is down holds back only its own
 * queue. SKIP LOCKED lets replicas pass over each other's candidates (SQLite has one writer).
 */
export async function claimDelivery(ctx: QueueContext): Promise<ClaimedDelivery | null> {
  const now = ctx.clock();
  const row = await ctx.db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'sending',
      attempts: eb('attempts', '+', 1),
      lease_expires_at: now + DELIVERY_LEASE_MS,
      first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(now)),
      last_attempt_at: now,
    }))
    .where('id', '=', (eb) =>
      eb
        .selectFrom('webhook_deliveries as d')
        .select('d.id')
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_deliveries as p')
                .select('p.id')
                .whereRef('p.run_id', '=', 'd.run_id')
                .whereRef('p.target', '=', 'd.target')
                .whereRef('p.event_id', '<', 'd.event_id')
                .where('p.status', 'in', OPEN_DELIVERY_STATUSES),
            ),
          ),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_events as e')
                .select('e.id')
                .whereRef('e.run_id', '=', 'd.run_id')
                .whereRef('e.id', '<', 'd.event_id')
                .where('e.fanned_out', '=', 0),
            ),
          ),
        )
        .orderBy('d.next_attempt_at')
        .orderBy('d.id')
        .limit(1)
        .$if(ctx.cap.skipLocked, (q) => q.forUpdate().skipLocked()),
    )
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  const event = await ctx.db
    .selectFrom('webhook_events')
    .select('uuid')
    .where('id', '=', row.event_id)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    eventUuid: event.uuid,
    runId: row.run_id,
    projectId: row.project_id,
    target: row.target,
    endpointId: row.endpoint_id,
    url: row.url,
    body: row.body,
    attempts: row.attempts,
    firstAttemptAt: row.first_attempt_at ?? now,
  };
}

/** Offers again the deliveries whose worker stopped before recording an outcome. */
export async function releaseStaleDeliveries(db: Kysely<Database>, now: number): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', lease_expires_at: null, next_attempt_at: now })
    .where('status', '=', 'sending')
    .where('lease_expires_at', '<', now)
    .execute();
}
