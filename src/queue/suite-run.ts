import type { Kysely, Selectable } from 'kysely';
import type { Static } from 'typebox';
import type { DiscoveredScenarioSchema, TestReportSchema } from '../protocol/agent-api.js';
import { toJson } from '../storage/json.js';
import type { RunSnapshot, RunTrigger } from '../storage/run-data.js';
import { readRunDocuments } from '../storage/run-data.js';
import type { Database, JobTable } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { endJob } from './end-job.js';
import { environmentSlots, insertResults } from './environment-work.js';
import { dedupe, expandRun, upsertScenarios } from './expand-run.js';
import { recordResults } from './record-results.js';
import { finishRunIfDone } from './run-stop.js';

/*
 * A run's first job is its discovery. When the whole run would be one job anyway (one environment,
 * no selection, no fail-fast, one slot to run on), listing the tests first only delays them: a Jest
 * or Vitest discovery loads every test file, much of what running them costs. Such a discovery is
 * offered to run the suite instead (`run_suite` in the claim): an agent whose adapter can runs
 * every test as the framework would directly and completes with the scenarios it ran and their
 * results. The offer comes with the first attempt only, with the plan's job timeout and one attempt
 * more: if it errs (a timeout, a crash, a report that cannot be read), the next attempt discovers
 * as usual, with the attempts a discovery always has.
 */

type Discovered = Static<typeof DiscoveredScenarioSchema>;
type TestReport = Static<typeof TestReportSchema>;

/** Whether this claimed discovery is offered to run the whole suite (see above). */
export async function offersSuiteRun(
  trx: Kysely<Database>,
  ctx: QueueContext,
  row: Selectable<JobTable>,
  projectId: number,
  snapshot: RunSnapshot,
  trigger: RunTrigger,
): Promise<boolean> {
  if (row.kind !== 'discover' || row.attempt !== 1 || !wholeSuite(snapshot, trigger)) return false;
  return (await environmentSlots(trx, ctx, projectId, snapshot.plan, snapshot.environments[0]!)) === 1;
}

/** The run asks for every scenario of one environment, and nothing stops it early. */
function wholeSuite({ plan, environments }: RunSnapshot, trigger: RunTrigger): boolean {
  const { include, exclude, tags, names } = plan.scenarios;
  return (
    environments.length === 1 &&
    plan.failFast === 0 &&
    trigger.scenarios.length === 0 &&
    trigger.pairs === undefined &&
    include.length + exclude.length + tags.length + names.length === 0
  );
}

/** Gives the offered discovery the plan's job timeout (returned) and the attempt its fallback needs. */
export async function leaseSuiteRun(
  trx: Kysely<Database>,
  row: Selectable<JobTable>,
  plan: RunSnapshot['plan'],
): Promise<number> {
  await trx
    .updateTable('jobs')
    .set({ timeout_ms: plan.jobTimeoutMs, max_attempts: row.max_attempts + 1, suite_run: 1 })
    .where('id', '=', row.id)
    .execute();
  return plan.jobTimeoutMs;
}

/**
 * Records a discovery that ran the suite: its scenarios become the run's, each with a result row
 * in this job, and their reports are recorded as an execute job's are (failures with retries left
 * go to a new job). A run that no longer asks for the whole suite is expanded from the scenarios
 * as after any discovery, the reports dropped.
 */
export async function recordSuiteRun(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  scenarios: Discovered[],
  reports: TestReport[],
  error: string | undefined,
): Promise<void> {
  const run = await trx.selectFrom('runs').selectAll().where('id', '=', job.run_id).executeTakeFirstOrThrow();
  const { snapshot, trigger } = readRunDocuments(run);
  const ran = dedupe(scenarios);
  if (!wholeSuite(snapshot, trigger) || ran.length === 0) {
    await endJob(trx, ctx, job, { by: 'agent', outcome: 'completed', error });
    await expandRun(trx, ctx, job.run_id, scenarios);
    return;
  }
  const ids = await upsertScenarios(trx, run.plan_id, ran, ctx.clock());
  const scenarioIds = ran.map((s) => ids.get(s.key)!);
  const env = snapshot.environments[0]!;
  await insertResults(trx, run.id, env, scenarioIds, { jobId: job.id, startedAt: job.started_at ?? ctx.clock() });
  const files = new Set(ran.map((s) => s.file)).size;
  await trx
    .updateTable('jobs')
    .set({ scenario_ids: toJson(scenarioIds), files })
    .where('id', '=', job.id)
    .execute();
  const executed = { ...job, scenario_ids: toJson(scenarioIds), files };
  await recordResults(trx, ctx, executed, reports, snapshot.plan.retries);
  await endJob(trx, ctx, executed, { by: 'agent', outcome: 'completed', error });
  await finishRunIfDone(trx, ctx, job.run_id);
}
