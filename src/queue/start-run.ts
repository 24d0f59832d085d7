import type { Kysely } from 'kysely';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { queueDiscovery } from './discovery-job.js';
import { queueRunWork } from './environment-work.js';
import { estimateWork } from './work-estimate.js';
import { readRunDocuments, type RunPair, type RunSnapshot } from '../storage/run-data.js';

const runToStart = prepared((db, v: { runId: number }) =>
  db
    .selectFrom('runs')
    .select(['id', 'project_id', 'plan_id', 'priority', 'created_at', 'plan_snapshot', 'trigger'])
    .where('id', '=', v.runId),
);

/**
 * Starts the work of a run that may start now (at trigger, or when the run it waited for ended).
 * A run that names its scenario × environment pairs (a rerun) already knows its scenario ids, so
 * its jobs are queued at once and discovery is skipped: no framework process just to list tests
 * whose ids the parent run recorded. A pair whose test has since disappeared is simply not reported
 * by the framework and ends `not_executed`. Every other run starts with the discovery of its scenarios.
 */
export async function startRunWork(trx: Kysely<Database>, ctx: QueueContext, runId: number): Promise<void> {
  const run = await runToStart.first(trx, ctx.cap, { runId });
  if (!run) throw new Error(`run ${runId} vanished before its work was queued`);
  const { snapshot, trigger } = readRunDocuments(run);
  const pairs = trigger.pairs ?? [];
  if (pairs.length === 0) {
    await queueDiscovery(trx, ctx, run.id, snapshot, run.priority, run.created_at);
    return;
  }
  await queuePairs(trx, ctx, run, snapshot, pairs);
}

/** Queues exactly the given pairs: per environment its own scenarios, never the cross product. */
async function queuePairs(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { id: number; project_id: number; plan_id: number; priority: number; created_at: number },
  snapshot: RunSnapshot,
  pairs: readonly RunPair[],
): Promise<void> {
  const expected = await estimateWork(trx, ctx, run, [...new Set(pairs.map((p) => p.scenarioId))], snapshot.plan);
  const work = snapshot.environments.map((env) => ({
    env,
    scenarioIds: [...new Set(pairs.filter((p) => p.environmentId === env.id).map((p) => p.scenarioId))],
  }));
  await queueRunWork(trx, ctx, run, snapshot.plan, work, expected);
}
