import type { Kysely } from 'kysely';
import { batchScenarios } from '../domain/batching.js';
import { usesWorker, type PlanDefinition } from '../domain/plan-definition.js';
import { toJson } from '../storage/json.js';
import type { Database } from '../storage/schema.js';
import { liveAgents, servesEnvironment } from './availability.js';
import type { QueueContext } from './context.js';
import { configuredOverheadMs, type WorkEstimate } from './work-estimate.js';

const CHUNK = 500;

/** One environment's share of a run: its scenarios. */
export interface EnvironmentWork {
  env: { id: number; name: string; labels: string[] };
  scenarioIds: number[];
}

/** A batch ready to be queued as a job, with what it is expected to cost. */
interface PlannedJob {
  env: EnvironmentWork['env'];
  scenarioIds: number[];
  files: number;
  /** The job's fixed cost, its files' and its scenarios' expected durations. */
  expectedMs: number;
  /** It holds a scenario that goes first (failed-first). */
  first: boolean;
}

/**
 * Queues a run's work in its environments: a result row per scenario × environment, batched into
 * jobs per environment. Shared by the expansion after discovery and by runs that name their pairs
 * (reruns). The environments' jobs are queued in one sequence, merged by expected cost (each
 * environment's own order kept), so that where agents serve several environments the largest jobs
 * of each go first, not all of the first environment's before any of the next's.
 */
export async function queueRunWork(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { id: number; project_id: number; priority: number; created_at: number },
  plan: PlanDefinition,
  work: readonly EnvironmentWork[],
  estimate: WorkEstimate,
): Promise<void> {
  const planned: PlannedJob[][] = [];
  for (const { env, scenarioIds } of work) {
    if (scenarioIds.length === 0) continue;
    await insertResults(trx, run.id, env, scenarioIds);
    planned.push(await planEnvironment(trx, ctx, run, plan, env, scenarioIds, estimate));
  }
  const now = ctx.clock();
  const jobs = mergeByCost(planned);
  for (let i = 0; i < jobs.length; i += CHUNK) {
    await trx
      .insertInto('jobs')
      .values(
        jobs.slice(i, i + CHUNK).map((job) => ({
          run_id: run.id,
          kind: 'execute',
          environment_id: job.env.id,
          environment_name: job.env.name,
          status: 'queued',
          scenario_ids: toJson(job.scenarioIds),
          files: job.files,
          expected_ms: Math.min(Math.round(job.expectedMs), 2 ** 31 - 1),
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
}

/**
 * One sequence from the environments' sequences: each step takes, of the environments' next jobs,
 * one that goes first (failed-first) if any, else the most expensive. Each environment's order stays.
 */
function mergeByCost(sequences: readonly PlannedJob[][]): PlannedJob[] {
  const next = sequences.map(() => 0);
  const merged: PlannedJob[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < sequences.length; i++) {
      const job = sequences[i]![next[i]!];
      if (job === undefined) continue;
      const best = pick < 0 ? undefined : sequences[pick]![next[pick]!]!;
      if (
        best === undefined ||
        Number(job.first) > Number(best.first) ||
        (job.first === best.first && job.expectedMs > best.expectedMs)
      )
        pick = i;
    }
    if (pick < 0) return merged;
    merged.push(sequences[pick]![next[pick]!]!);
    next[pick]!++;
  }
}

/**
 * A result row per scenario in the environment: queued, or already running in `running.jobId`
 * (a discovery that ran the whole suite, see suite-run.ts).
 */
export async function insertResults(
  trx: Kysely<Database>,
  runId: number,
  env: EnvironmentWork['env'],
  scenarioIds: readonly number[],
  running?: { jobId: number; startedAt: number },
): Promise<void> {
  for (let i = 0; i < scenarioIds.length; i += CHUNK) {
    await trx
      .insertInto('results')
      .values(
        scenarioIds.slice(i, i + CHUNK).map((sid) => ({
          run_id: runId,
          scenario_id: sid,
          environment_id: env.id,
          environment_name: env.name,
          status: running ? 'running' : 'queued',
          ...(running ? { job_id: running.jobId, started_at: running.startedAt } : {}),
          attempts: 0,
          failures: 0,
        })),
      )
      .execute();
  }
}

/** One environment's batches, each with its expected cost. */
async function planEnvironment(
  trx: Kysely<Database>,
  ctx: QueueContext,
  run: { project_id: number },
  plan: PlanDefinition,
  env: EnvironmentWork['env'],
  scenarioIds: number[],
  estimate: WorkEstimate,
): Promise<PlannedJob[]> {
  const serving = await servingAgents(trx, ctx, run.project_id, env, ctx.clock() - ctx.settings.agentLivenessMs);
  const slots = slotsFor(plan, serving);
  const slotSpeeds = serving.flatMap((a) => Array<number>(a.slots).fill(estimate.agentSpeed(a.id)));
  // Pack the opening jobs only when the durations are measured: packing on guesses strands work.
  const measured = scenarioIds.filter((sid) => estimate.known(sid, env.id)).length >= 0.9 * scenarioIds.length;
  const worker = usesWorker(plan);
  const files = await scenarioFiles(trx, scenarioIds);
  const fileOf = (sid: number) => files.get(sid) ?? `#${sid}`;
  // What the plan's jobs here cost beyond their tests, as learnt: a job's start, and each file's.
  const costs = estimate.costs(env.id);
  // The learnt fixed cost, but never below the configured one: it was measured on jobs that began
  // apart, while the balancing jobs after a packed opening begin together and share the CPU.
  const fixedMs = Math.max(costs?.fixedMs ?? 0, configuredOverheadMs(ctx, plan));
  const perFileMs = costs?.perFileMs ?? 0;
  const expectedMs = (sid: number) => estimate.expectedMs(sid, env.id);
  const batches = batchScenarios(scenarioIds, expectedMs, {
    slots,
    overheadMs: fixedMs,
    groupCostMs: perFileMs,
    // A batch's expected work stays well inside the job timeout: estimates can be short.
    maxBatchMs: plan.jobTimeoutMs / 2 - (costs?.fixedMs ?? 0),
    stopEarly: plan.failFast > 0,
    slotSpeeds,
    first: (sid) => estimate.first(sid),
    packFirst: measured,
    singles: worker && !measured,
    // A file's scenarios stay together, in their discovered order: directly, the framework runs
    // them in one module context, and a test may rely on an earlier one of its file.
    group: fileOf,
    ...(estimate.noise !== undefined ? { noise: estimate.noise } : {}),
  });
  return batches.map((batch) => {
    const fileCount = new Set(batch.map(fileOf)).size;
    return {
      env,
      scenarioIds: batch,
      files: fileCount,
      expectedMs: fixedMs + perFileMs * fileCount + batch.reduce((sum, sid) => sum + expectedMs(sid), 0),
      first: batch.some((sid) => estimate.first(sid)),
    };
  });
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

/** The slots a run of the plan gets from these agents: theirs, at most the plan's `max_parallel`, at least one. */
function slotsFor(plan: PlanDefinition, serving: readonly { slots: number }[]): number {
  return Math.min(
    plan.maxParallel,
    Math.max(
      1,
      serving.reduce((n, a) => n + a.slots, 0),
    ),
  );
}

/** How many slots the live agents that serve the environment give a run of the plan. */
export async function environmentSlots(
  trx: Kysely<Database>,
  ctx: QueueContext,
  projectId: number,
  plan: PlanDefinition,
  env: { labels: string[] },
): Promise<number> {
  return slotsFor(plan, await servingAgents(trx, ctx, projectId, env, ctx.clock() - ctx.settings.agentLivenessMs));
}

/** The live agents that can serve the environment, with their slots. */
async function servingAgents(
  trx: Kysely<Database>,
  ctx: QueueContext,
  projectId: number,
  env: { labels: string[] },
  since: number,
): Promise<{ id: number; slots: number }[]> {
  const agents = await liveAgents(trx, ctx.cap, since);
  return agents.filter((a) => servesEnvironment(a, projectId, env));
}
