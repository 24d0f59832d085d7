import type { Kysely } from 'kysely';

/**
 * A discovery offered to run the whole suite (queue/suite-run.ts) says so while it runs, so that
 * what the run shows ("the suite runs", not "discovering") and what its completion may record (the
 * results with the scenarios) follow from what was offered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('suite_run', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
