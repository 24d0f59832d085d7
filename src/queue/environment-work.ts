import type { Kysely } from 'kysely';
import { batchScenarios } from '../domain/batching.js';
import { usesWorker, type PlanDefinition } from '../domain/plan-definition.js';
import { toJson } from '../storage/json.js';
import type { Database } from '../storage/schema.js';
import { liveAgents, servesEnvironment } from './availability.js';
import type { QueueContext } from './context.js';
import { configuredOverheadMs, type WorkEstimate } from './work-estimate.js';

const CHUNK = 500;

/**
 * Queues one environment's share of a run: a result row per scenario, batched into jobs. Shared by
 * the expansion after discovery and by runs that name their pairs (reruns).
 */
export async function queueEnvironmentWork(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { id: number; project_id: number; priority: number; created_at: number },
  plan: PlanDefinition,
  env: { id: number; name: string; labels: string[] },
  scenarioIds: number[],
  estimate: WorkEstimate,
): Promise<void> {
  const now = ctx.clock();
  for (let i = 0; i < scenarioIds.length; i += CHUNK) {
    await trx
      .insertInto('results')
      .values(
        scenarioIds.slice(i, i + CHUNK).map((sid) => ({
          run_id: run.id,
          scenario_id: sid,
          environment_id: env.id,
          environment_name: env.name,
          status: 'queued',
          attempts: 0,
          failures: 0,
        })),
      )
      .execute();
  }
  const slots = Math.min(
    plan.maxParallel,
    await liveSlots(trx, ctx, run.project_id, env, now - ctx.settings.agentLivenessMs),
  );
  // Pack the opening jobs only when the durations are measured: packing on guesses strands work.
  const measured = scenarioIds.filter((sid) => estimate.known(sid, env.id)).length >= 0.9 * scenarioIds.length;
  const worker = usesWorker(plan);
  const files = await scenarioFiles(trx, scenarioIds);
  const fileOf = (sid: number) => files.get(sid) ?? `#${sid}`;
  // What the plan's jobs here cost beyond their tests, as learnt: a job's start, and each file's.
  const costs = estimate.costs(env.id);
  const batches = batchScenarios(scenarioIds, (sid) => estimate.expectedMs(sid, env.id), {
    slots,
    overheadMs: costs?.fixedMs ?? configuredOverheadMs(ctx, plan),
    groupCostMs: costs?.perFileMs ?? 0,
    // A batch's expected work stays well inside the job timeout: estimates can be short.
    maxBatchMs: plan.jobTimeoutMs / 2 - (costs?.fixedMs ?? 0),
    stopEarly: plan.failFast > 0,
    first: (sid) => estimate.first(sid),
    packFirst: measured,
    singles: worker && !measured,
    // A file's scenarios stay together, in their discovered order: directly, the framework runs
    // them in one module context, and a test may rely on an earlier one of its file.
    group: fileOf,
    ...(estimate.noise !== undefined ? { noise: estimate.noise } : {}),
  });
  await trx
    .insertInto('jobs')
    .values(
      batches.map((batch) => ({
        run_id: run.id,
        kind: 'execute',
        environment_id: env.id,
        environment_name: env.name,
        status: 'queued',
        scenario_ids: toJson(batch),
        files: new Set(batch.map(fileOf)).size,
        priority: run.priority,
        run_created_at: run.created_at,
        max_parallel: plan.maxParallel,
        timeout_ms: plan.jobTimeoutMs,
        attempt: 0,
        max_attempts: ctx.settings.maxAttempts,
        created_at: now,
      })),
    )
    .execute();
}

async function scenarioFiles(trx: Kysely<Database>, ids: readonly number[]): Promise<Map<number, string>> {
  const files = new Map<number, string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await trx
      .selectFrom('scenarios')
      .select(['id', 'file'])
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) files.set(r.id, r.file);
  }
  return files;
}

async function liveSlots(
  trx: Kysely<Database>,
  ctx: QueueContext,
  projectId: number,
  env: { labels: string[] },
  since: number,
): Promise<number> {
  const agents = await liveAgents(trx, ctx.cap, since);
  const slots = agents.filter((a) => servesEnvironment(a, projectId, env)).reduce((n, a) => n + a.slots, 0);
  return Math.max(1, slots);
}
