import type { Kysely } from 'kysely';
import { AppError } from '../protocol/errors.js';
import type { EnvironmentRecord } from '../storage/environments.js';
import { findPlan } from '../storage/plans.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { failedPairs, resolvePairs, type PairRef } from './rerun-pairs.js';
import { readRunDocuments, type RunPair } from '../storage/run-data.js';
import { triggerRun, type TriggerInput, type TriggerOutcome } from './trigger.js';

/** Which pairs of the parent run to run again. */
export type RerunChoice =
  | { failed: true }
  | {
      pairs: readonly PairRef[];
      /** How the caller's API names the list, for messages. */
      path?: string;
      /** The caller asked for every pair of the parent (stored as `all`), not a pick that may happen to list them all. */
      all?: boolean;
    };

/** Who reruns, and anything else the trigger should carry (the caller's key limits, …). */
export type RerunCaller = Pick<TriggerInput, 'source' | 'userId'> &
  Partial<Omit<TriggerInput, 'plan' | 'environments' | 'pairs' | 'rerun'>>;

/**
 * Triggers a rerun: a new run of the parent's plan, linked to its parent, that executes only the
 * chosen scenario × environment pairs. It uses the parent's plan snapshot and trigger data (build,
 * ref, parameters, app builds, callback URL), so it repeats the same thing for fewer pairs; the
 * plan's concurrency policy applies as to any run.
 */
export async function rerunRun(
  ctx: QueueContext,
  parentId: number,
  choice: RerunChoice,
  caller: RerunCaller,
): Promise<TriggerOutcome> {
  const parent = await ctx.db
    .selectFrom('runs')
    .select(['id', 'status', 'plan_id', 'project_id', 'plan_snapshot', 'trigger'])
    .where('id', '=', parentId)
    .executeTakeFirst();
  if (!parent) throw new AppError('NOT_FOUND', `run ${parentId} does not exist`);
  const plan = await findPlan(ctx.db, null, parent.plan_id);
  if (!plan) throw new AppError('NOT_FOUND', `the plan of run ${parentId} no longer exists`);
  const { snapshot, trigger } = readRunDocuments(parent);
  const pairs =
    'failed' in choice
      ? await failedPairs(ctx.db, parent)
      : await resolvePairs(ctx.db, parent.plan_id, snapshot, choice.pairs, choice.path);
  const envIds = new Set(pairs.map((p) => p.environmentId));
  const environments: EnvironmentRecord[] = snapshot.environments
    .filter((e) => envIds.has(e.id))
    .map(({ id, ...definition }) => ({ id, projectId: parent.project_id, definition, createdAt: 0, updatedAt: 0 }));
  return triggerRun(ctx, {
    build: trigger.build,
    ref: trigger.ref,
    branch: trigger.branch,
    parameters: trigger.parameters,
    callbackUrl: trigger.callbackUrl,
    ...(trigger.appBuilds ? { appBuilds: trigger.appBuilds } : {}),
    ...(trigger.profile ? { profile: trigger.profile } : {}),
    ...caller,
    plan: { ...plan, definition: snapshot.plan },
    environments,
    scenarios: await scenarioKeys(
      ctx.db,
      pairs.map((p) => p.scenarioId),
    ),
    pairs,
    rerun: { parentId, type: 'failed' in choice ? 'failed' : choice.all ? 'all' : 'pairs' },
  });
}

/** The id of a plan's newest run, the one vendor reruns ("the last executed results") start from. */
export async function lastRunOfPlan(db: Kysely<Database>, planId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', planId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/**
 * The newest run of a plan whose results hold every one of these pairs, or undefined. A rerun of
 * chosen pairs starts from the last run that ran them: the plan's newest run may be a rerun of
 * other pairs, and the pairs of the original run are still to be had from that one.
 */
export async function lastRunHolding(
  db: Kysely<Database>,
  planId: number,
  pairs: readonly RunPair[],
): Promise<number | undefined> {
  if (pairs.length === 0) return undefined;
  const wanted = new Set(pairs.map((p) => `${p.scenarioId}:${p.environmentId}`));
  const held = await heldPairs(
    db,
    planId,
    pairs.map((p) => p.scenarioId),
    pairs.map((p) => p.environmentId),
  );
  for (const [runId, keys] of held) if ([...wanted].every((k) => keys.has(k))) return runId;
  return undefined;
}

/**
 * The newest run of a plan that ran every one of these scenarios (in any environment), with the
 * pairs it ran them in: Testinium's rerun of scenarios "from the last executed results".
 */
export async function lastRunOfScenarios(
  db: Kysely<Database>,
  planId: number,
  scenarioIds: readonly number[],
): Promise<{ runId: number; pairs: RunPair[] } | undefined> {
  const wanted = [...new Set(scenarioIds)];
  if (wanted.length === 0) return undefined;
  for (const [runId, keys] of await heldPairs(db, planId, wanted, null)) {
    const pairs = [...keys]
      .map((k) => k.split(':').map(Number) as [number, number])
      .map(([scenarioId, environmentId]) => ({ scenarioId, environmentId }));
    if (wanted.every((id) => pairs.some((p) => p.scenarioId === id))) return { runId, pairs };
  }
  return undefined;
}

/** `scenario:environment` keys of the plan's results among these ids, per run, newest run first. */
async function heldPairs(
  db: Kysely<Database>,
  planId: number,
  scenarioIds: readonly number[],
  environmentIds: readonly number[] | null,
): Promise<Map<number, Set<string>>> {
  let q = db
    .selectFrom('results')
    .innerJoin('runs', 'runs.id', 'results.run_id')
    .select(['results.run_id', 'results.scenario_id', 'results.environment_id'])
    .where('runs.plan_id', '=', planId)
    .where('results.scenario_id', 'in', [...new Set(scenarioIds)])
    .orderBy('results.run_id', 'desc');
  if (environmentIds) q = q.where('results.environment_id', 'in', [...new Set(environmentIds)]);
  const out = new Map<number, Set<string>>();
  for (const r of await q.execute()) {
    const keys = out.get(r.run_id) ?? new Set<string>();
    keys.add(`${r.scenario_id}:${r.environment_id}`);
    out.set(r.run_id, keys);
  }
  return out;
}

async function scenarioKeys(db: Kysely<Database>, ids: number[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const rows = await db.selectFrom('scenarios').select(['id', 'key']).where('id', 'in', unique).orderBy('id').execute();
  return rows.map((r) => r.key);
}
