import type { Kysely } from 'kysely';

/**
 * Queue mode's lookahead: a job claimed to run on a slot after the slot's current job is running
 * (leased, heartbeated) but takes no slot of its own, so the run's `max_parallel` does not count it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('lookahead', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
