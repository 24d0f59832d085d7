import type { Kysely } from 'kysely';

/**
 * What a job cost as paid, so the scheduler can learn a plan's costs beyond its tests' own
 * durations (a framework's start, a process per file): an attempt's wall time as its agent measured
 * it (`duration_ms`, from the slot's turn to the end) beside the sum of the durations its tests
 * reported (`work_ms`), and the number of test files a job holds (`files`) and what it was expected
 * to cost when queued (`expected_ms`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('duration_ms', 'integer').execute();
  await db.schema.alterTable('attempts').addColumn('work_ms', 'integer').execute();
  await db.schema.alterTable('jobs').addColumn('files', 'integer').execute();
  await db.schema.alterTable('jobs').addColumn('expected_ms', 'integer').execute();
}
