import type { Kysely } from 'kysely';

/**
 * An event's body (the run and job as they were when it happened) is written with the event, in
 * the transaction of the change, instead of being read when the event is fanned out: by then a
 * `run.queued` could already say `completed`. Events written before this have none and are built
 * at fan-out as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_events').addColumn('body', 'text').execute();
}
