import type { Kysely } from 'kysely';
import { ESTIMATE_HISTORY_RUNS, type JobCosts } from '../domain/job-costs.js';
import { agentSlowness } from '../domain/agent-speed.js';
import { durationEstimator } from '../domain/duration-estimate.js';
import { durationNoise, median } from '../domain/median.js';
import { usesWorker, type PlanDefinition } from '../domain/plan-definition.js';
import { TERMINAL_RUN_STATUSES } from '../protocol/statuses.js';
import { learnJobCosts } from '../storage/job-costs.js';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';

/** What the batching of a run's work needs to know about its scenarios. */
export interface WorkEstimate {
  /** Expected duration of a scenario in an environment. */
  expectedMs(scenarioId: number, environmentId: number): number;
  /** Whether the scenario goes ahead of the rest (it failed in the plan's last run, with failed-first on). */
  first(scenarioId: number): boolean;
  /** Whether its expectation was measured (it ran in one of the plan's recent runs) rather than guessed. */
  known(scenarioId: number, environmentId: number): boolean;
  /** How much durations vary from run to run, relative (from scenarios measured twice or more); undefined when unknown. */
  noise: number | undefined;
  /** What a job costs in the environment beyond its tests' durations, learnt from the same runs; undefined before any. */
  costs(environmentId: number): JobCosts | undefined;
  /** How fast an agent runs the plan's scenarios against the others (1: typical, or not compared yet). */
  agentSpeed(agentId: number): number;
}

/** What a job is expected to cost before anything is learnt: a process start, or a warm worker's dispatch. */
export function configuredOverheadMs(ctx: QueueContext, plan: PlanDefinition): number {
  return usesWorker(plan) ? ctx.settings.workerDispatchMs : ctx.settings.processOverheadMs;
}

/** How many recent durations of a scenario × environment its expectation is the median of. */
const HISTORY = ESTIMATE_HISTORY_RUNS;

/**
 * Estimates a run's work from what was measured, nearest first (`durationEstimator`): the median
 * of each scenario × environment's durations in the plan's last few finished runs; else the
 * scenario's durations in the plan's other environments, scaled by how the environments compare;
 * else the same test's (same key) durations in the project's other plans' last runs. A scenario
 * known nowhere gets the plan's median (the median of the known estimates), a plan without any the
 * configured default. With `failedFirst`, the scenarios that failed in the plan's last finished
 * run go first. The same runs' jobs say what a job costs beyond its tests (`learnJobCosts`): a
 * fixed part per job and a part per test file.
 */
export async function estimateWork(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { id: number; plan_id: number; project_id: number },
  scenarioIds: readonly number[],
  plan: PlanDefinition,
): Promise<WorkEstimate> {
  const recent = new Map<number, Map<number, number[]>>();
  // History is the plan's last few finished runs: a bounded read (runs × their results through the
  // results(run_id, status) index), however long the plan's past.
  const runs = await recentRuns(trx, ctx, run, HISTORY);
  const wanted = new Set(scenarioIds);
  const rows =
    runs.length > 0 ? (await durationsOfRuns.all(trx, ctx.cap, { runs })).filter((r) => wanted.has(r.scenario_id)) : [];
  // Agents differ in speed: learnt from the same scenarios measured on several of them, and each
  // duration counted as a typical agent would have taken it.
  const slowness = agentSlowness(
    rows.flatMap((r) =>
      r.agent_id === null
        ? []
        : [{ key: `${r.scenario_id}:${r.environment_id}`, agentId: r.agent_id, ms: Math.max(1, r.duration_ms!) }],
    ),
  );
  for (const r of rows) {
    const byEnv = recent.get(r.scenario_id) ?? new Map<number, number[]>();
    const list = byEnv.get(r.environment_id) ?? [];
    const typical = Math.max(1, r.duration_ms!) / (r.agent_id === null ? 1 : (slowness.get(r.agent_id) ?? 1));
    if (list.length < HISTORY) list.push(typical);
    byEnv.set(r.environment_id, list);
    recent.set(r.scenario_id, byEnv);
  }
  const own = new Map(
    [...recent].map(([sid, byEnv]) => [sid, new Map([...byEnv].map(([env, list]) => [env, median(list)!]))]),
  );
  const noise = durationNoise([...recent.values()].flatMap((byEnv) => [...byEnv.values()]));
  // The same tests under the project's other plans: read only when this plan has not measured most of them.
  const elsewhere =
    own.size >= MEASURED_SHARE * scenarioIds.length
      ? new Map<number, number>()
      : await durationsElsewhere(
          trx,
          ctx,
          run,
          scenarioIds.filter((sid) => !own.has(sid)),
        );
  const estimator = durationEstimator({ own, elsewhere });
  const known = [...own.values()].flatMap((byEnv) => [...byEnv.values()]);
  const planMedian = median(known.length > 0 ? known : [...elsewhere.values()]) ?? ctx.settings.defaultScenarioMs;
  const failed = plan.failedFirst ? await failedLastTime(trx, ctx, run) : new Set<number>();
  const costs = new Map(
    (await learnJobCosts(trx, runs, configuredOverheadMs(ctx, plan))).map((c) => [c.environmentId, c] as const),
  );
  return {
    expectedMs: (sid, envId) => estimator.expectedMs(sid, envId) ?? planMedian * estimator.factor(envId),
    first: (sid) => failed.has(sid),
    known: (sid, envId) => estimator.expectedMs(sid, envId) !== undefined,
    noise,
    costs: (envId) => costs.get(envId),
    agentSpeed: (agentId) => 1 / (slowness.get(agentId) ?? 1),
  };
}

/** Below this share of scenarios measured by the plan itself, other plans' durations are looked up. */
const MEASURED_SHARE = 0.9;

/**
 * Medians of the given scenarios' durations, matched by key, in the last few finished runs of the
 * project's other plans: what a suite's earlier runs under another plan say about it.
 */
async function durationsElsewhere(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { plan_id: number; project_id: number },
  scenarioIds: readonly number[],
): Promise<Map<number, number>> {
  if (scenarioIds.length === 0) return new Map();
  // Among the project's latest runs only: however long its past, the read stays bounded.
  const latest = await latestRunsOfProject.all(trx, ctx.cap, { projectId: run.project_id, limit: PROJECT_RUNS_READ });
  const ended = new Set<string>(TERMINAL_RUN_STATUSES);
  const runs = latest
    .filter((r) => r.plan_id !== run.plan_id && ended.has(r.status))
    .slice(0, HISTORY)
    .map((r) => r.id);
  if (runs.length === 0) return new Map();
  const byKey = new Map<string, number[]>();
  for (const r of await keyedDurationsOfRuns.all(trx, ctx.cap, { runs })) {
    const list = byKey.get(r.key) ?? [];
    if (list.length < HISTORY) list.push(Math.max(1, r.duration_ms!));
    byKey.set(r.key, list);
  }
  const found = new Map<number, number>();
  for (let i = 0; i < scenarioIds.length; i += KEY_CHUNK) {
    const ids = scenarioIds.slice(i, i + KEY_CHUNK);
    for (const s of await trx.selectFrom('scenarios').select(['id', 'key']).where('id', 'in', ids).execute()) {
      const list = byKey.get(s.key);
      if (list) found.set(s.id, median(list)!);
    }
  }
  return found;
}

const KEY_CHUNK = 500;
/** How many of the project's latest runs are looked through for other plans' finished ones. */
const PROJECT_RUNS_READ = 500;

/** Ids of the plan's last finished runs before this one, newest first. */
async function recentRuns(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { id: number; plan_id: number },
  limit: number,
): Promise<number[]> {
  const rows = await finishedRunsBefore.all(trx, ctx.cap, { planId: run.plan_id, runId: run.id, limit });
  return rows.map((r) => r.id);
}

async function failedLastTime(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { id: number; plan_id: number },
): Promise<Set<number>> {
  const [last] = await recentRuns(trx, ctx, run, 1);
  if (last === undefined) return new Set();
  const rows = await failedOfRun.all(trx, ctx.cap, { runId: last });
  return new Set(rows.map((r) => r.scenario_id));
}

const finishedRunsBefore = prepared((db, v: { planId: number; runId: number; limit: number }) =>
  db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', v.planId)
    .where('id', '<', v.runId)
    .where('status', 'in', TERMINAL_RUN_STATUSES)
    .orderBy('id', 'desc')
    .limit(v.limit),
);
/**
 * Measured durations in the given runs, newest first, with the agent that ran each (a list of up
 * to HISTORY run ids: one statement per length). A job has at most one completed attempt.
 */
const durationsOfRuns = prepared((db, v: { runs: number[] }) =>
  db
    .selectFrom('results')
    .leftJoin('attempts', (j) =>
      j.onRef('attempts.job_id', '=', 'results.job_id').on('attempts.status', '=', 'completed'),
    )
    .select(['results.scenario_id', 'results.environment_id', 'results.duration_ms', 'attempts.agent_id'])
    .where('results.run_id', 'in', v.runs)
    .where('results.status', 'in', ['passed', 'failed', 'flaky'])
    .where('results.duration_ms', 'is not', null)
    .orderBy('results.id', 'desc'),
);
/** The project's latest runs: a bounded read of its (project_id, id) index, filtered after. */
const latestRunsOfProject = prepared((db, v: { projectId: number; limit: number }) =>
  db
    .selectFrom('runs')
    .select(['id', 'plan_id', 'status'])
    .where('project_id', '=', v.projectId)
    .orderBy('id', 'desc')
    .limit(v.limit),
);
/** Measured durations in the given runs with their scenarios' keys, newest first. */
const keyedDurationsOfRuns = prepared((db, v: { runs: number[] }) =>
  db
    .selectFrom('results')
    .innerJoin('scenarios', 'scenarios.id', 'results.scenario_id')
    .select(['scenarios.key', 'results.duration_ms'])
    .where('results.run_id', 'in', v.runs)
    .where('results.status', 'in', ['passed', 'failed', 'flaky'])
    .where('results.duration_ms', 'is not', null)
    .orderBy('results.id', 'desc'),
);
const failedOfRun = prepared((db, v: { runId: number }) =>
  db.selectFrom('results').select('scenario_id').where('run_id', '=', v.runId).where('status', '=', 'failed'),
);
