import type { Kysely } from 'kysely';
import { ACTIVE_RUN_STATUSES } from '../protocol/statuses.js';
import { readRunTrigger, type RunPair } from './run-data.js';
import type { Database } from './schema.js';

/*
 * The reads of runs and results that the vendor-compatible APIs need beyond the native views:
 * a run's UUID and vendor trigger data, a plan's runs by page, results by their own id.
 */

/** The UUID of a run (TesterArmy's `runId`). */
export async function runUuidOf(db: Kysely<Database>, runId: number): Promise<string> {
  return (await db.selectFrom('runs').select('uuid').where('id', '=', runId).executeTakeFirstOrThrow()).uuid;
}

/** The environment id a vendor trigger named (Testsigma's `environmentId`), or null. */
export async function vendorEnvironmentIdOf(db: Kysely<Database>, runId: number): Promise<number | null> {
  const row = await db.selectFrom('runs').select('trigger').where('id', '=', runId).executeTakeFirstOrThrow();
  return readRunTrigger(row.trigger).vendorEnvironmentId ?? null;
}

/** Whether a run waits behind an active run of its plan (concurrency `queue`). */
export async function runIsWaiting(db: Kysely<Database>, runId: number): Promise<boolean> {
  const row = await db.selectFrom('runs').select('waiting').where('id', '=', runId).executeTakeFirstOrThrow();
  return Number(row.waiting) === 1;
}

/** How a run stands now: what a caller waiting for its end polls. */
export async function runEndState(
  db: Kysely<Database>,
  runId: number,
): Promise<{ status: string; result: string | null; endedBy: string | null }> {
  const r = await db
    .selectFrom('runs')
    .select(['status', 'result', 'ended_by'])
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  return { status: r.status, result: r.result, endedBy: r.ended_by };
}

/** The ids of a plan's queued and running runs, oldest first. */
export async function activeRunIdsOfPlan(db: Kysely<Database>, planId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', planId)
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** One page of a plan's run ids, newest first, and how many runs it has in all. */
export async function runIdsOfPlan(
  db: Kysely<Database>,
  planId: number,
  page: { offset: number; limit: number },
): Promise<{ ids: number[]; total: number }> {
  const rows = await db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', planId)
    .orderBy('id', 'desc')
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  const count = await db
    .selectFrom('runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('plan_id', '=', planId)
    .executeTakeFirstOrThrow();
  return { ids: rows.map((r) => r.id), total: Number(count.n) };
}

/** The run a result row belongs to, or undefined when there is no such row. */
export async function runOfResult(db: Kysely<Database>, resultId: number): Promise<number | undefined> {
  return (await db.selectFrom('results').select('run_id').where('id', '=', resultId).executeTakeFirst())?.run_id;
}

/** The pairs of a run's result rows with these ids; ids of other runs' rows are left out. */
export async function pairsOfResults(
  db: Kysely<Database>,
  runId: number,
  resultIds: readonly number[],
): Promise<(RunPair & { resultId: number })[]> {
  if (resultIds.length === 0) return [];
  const rows = await db
    .selectFrom('results')
    .select(['id', 'scenario_id', 'environment_id'])
    .where('run_id', '=', runId)
    .where('id', 'in', [...new Set(resultIds)])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ resultId: r.id, scenarioId: r.scenario_id, environmentId: r.environment_id }));
}

/** Every pair of a run's result rows (a rerun of all its tests). */
export async function pairsOfRun(db: Kysely<Database>, runId: number): Promise<RunPair[]> {
  const rows = await db
    .selectFrom('results')
    .select(['scenario_id', 'environment_id'])
    .where('run_id', '=', runId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ scenarioId: r.scenario_id, environmentId: r.environment_id }));
}
