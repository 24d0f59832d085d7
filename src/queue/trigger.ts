import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../protocol/errors.js';
import { ACTIVE_RUN_STATUSES, type RerunType, type TriggerSource } from '../protocol/statuses.js';
import type { EnvironmentRecord } from '../storage/environments.js';
import { toJson } from '../storage/json.js';
import type { PlanRecord } from '../storage/plans.js';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { liveEnvironmentIds } from './availability.js';
import type { RunPair, RunSnapshot, RunTrigger } from '../storage/run-data.js';
import { stopRun } from './run-stop.js';
import { startRunWork } from './start-run.js';
import { enforceActiveRunLimit } from './active-run-limit.js';
import { recordEvent } from './record-event.js';

export interface TriggerInput {
  plan: PlanRecord;
  /** The environments to run on, already resolved and checked against the plan. */
  environments: EnvironmentRecord[];
  scenarios: string[];
  source: TriggerSource;
  userId: number;
  build?: string | null;
  ref?: string | null;
  branch?: string | null;
  parameters?: Record<string, string>;
  callbackUrl?: string | null;
  priority?: number | null;
  /** Scoped to `apiKeyId`, which it needs: another API key sending the same key gets a run of its own. */
  idempotencyKey?: string | null;
  /** Hash of the request body: a reused idempotency key with another body is refused. */
  requestHash?: string | null;
  /** Run exactly these pairs instead of discovering scenarios (reruns). */
  pairs?: RunPair[];
  /** The run this one reruns, and how its pairs were chosen. */
  rerun?: { parentId: number; type: RerunType };
  /** App build id per environment name. */
  appBuilds?: Record<string, number>;
  /** The plan profile already applied to `plan`, recorded for the run's trigger data. */
  profile?: string | null;
  /** An environment id a vendor trigger named, echoed back in its views. */
  vendorEnvironmentId?: number | null;
  /** The API key that triggers, and its limit of active runs (null or 0: none); see active-run-limit.ts. */
  apiKeyId?: number | null;
  maxActiveRuns?: number | null;
}

export interface TriggerOutcome {
  runId: number;
  /** False when an idempotency key returned an existing run. */
  created: boolean;
}

/**
 * Creates a run of a plan, applying the plan's concurrency policy and the idempotency key, and
 * queues the discovery of its scenarios. Safe to call concurrently with the same idempotency key:
 * exactly one run is created and every caller with that API key gets it. The key is the API key's
 * own (as Stripe scopes them): no other API key's run is ever returned, nor named in an error.
 */
export async function triggerRun(ctx: QueueContext, input: TriggerInput): Promise<TriggerOutcome> {
  if (input.idempotencyKey && input.apiKeyId == null)
    throw new Error('an idempotency key needs the API key that sent it (apiKeyId)');
  try {
    const outcome = await ctx.db.transaction().execute((trx) => createRun(trx, ctx, input));
    if (outcome.created) ctx.wakeup.wake();
    return outcome;
  } catch (e) {
    // Two concurrent triggers with one key: the loser's insert hits the unique index
    // (project_id, api_key_id, idempotency_key) of migration 0007.
    if (input.idempotencyKey && ctx.cap.isUniqueViolation(e)) {
      const existing = await findByIdempotencyKey(ctx.db, input);
      if (existing) return existing;
    }
    throw e;
  }
}

async function findByIdempotencyKey(db: Kysely<Database>, input: TriggerInput): Promise<TriggerOutcome | undefined> {
  const row = await db
    .selectFrom('runs')
    .select(['id', 'idempotency_hash'])
    .where('project_id', '=', input.plan.projectId)
    .where('api_key_id', '=', input.apiKeyId!)
    .where('idempotency_key', '=', input.idempotencyKey!)
    .executeTakeFirst();
  if (!row) return undefined;
  if (input.requestHash && row.idempotency_hash && row.idempotency_hash !== input.requestHash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used with a different request body',
      {
        details: { run_id: row.id },
      },
    );
  }
  return { runId: row.id, created: false };
}

async function createRun(trx: Kysely<Database>, ctx: QueueContext, input: TriggerInput): Promise<TriggerOutcome> {
  if (input.idempotencyKey) {
    const existing = await findByIdempotencyKey(trx, input);
    if (existing) return existing;
  }
  await enforceActiveRunLimit(trx, ctx, input.apiKeyId, input.maxActiveRuns);
  const now = ctx.clock();
  const plan = input.plan.definition;
  const waiting = await applyConcurrencyPolicy(trx, ctx, input.plan);
  const live = await liveEnvironmentIds(trx, ctx.cap, input.environments, now - ctx.settings.agentLivenessMs);
  const trigger: RunTrigger = {
    source: input.source,
    userId: input.userId,
    build: input.build ?? null,
    ref: input.ref ?? null,
    branch: input.branch ?? null,
    parameters: input.parameters ?? {},
    callbackUrl: input.callbackUrl ?? null,
    environments: input.environments.map((e) => e.definition.name),
    scenarios: input.scenarios,
    unavailableEnvironments: input.environments.filter((e) => !live.has(e.id)).map((e) => e.definition.name),
    ...(input.pairs?.length ? { pairs: input.pairs } : {}),
    ...(input.appBuilds && Object.keys(input.appBuilds).length ? { appBuilds: input.appBuilds } : {}),
    ...(input.profile ? { profile: input.profile } : {}),
    ...(input.vendorEnvironmentId != null ? { vendorEnvironmentId: input.vendorEnvironmentId } : {}),
  };
  const snapshot: RunSnapshot = {
    plan,
    environments: input.environments.map((e) => ({ ...e.definition, id: e.id })),
  };
  const run = await insertRun.first(trx, ctx.cap, {
    uuid: randomUUID(),
    projectId: input.plan.projectId,
    planId: input.plan.id,
    source: input.source,
    priority: input.priority ?? plan.priority,
    trigger: toJson(trigger),
    build: input.build ?? null,
    branch: input.branch ?? input.ref ?? null,
    planSnapshot: toJson(snapshot),
    idempotencyKey: input.idempotencyKey ?? null,
    idempotencyHash: input.requestHash ?? null,
    waiting: waiting ? 1 : 0,
    now,
    deadlineAt: plan.runTimeoutMs ? now + plan.runTimeoutMs : null,
    rerunParentId: input.rerun?.parentId ?? null,
    rerunType: input.rerun?.type ?? null,
    apiKeyId: input.apiKeyId ?? null,
  });
  if (!run) throw new Error('inserting the run returned no row');
  await recordEvent(trx, ctx, 'run.queued', run.id);
  if (plan.onUnavailable === 'fail' && trigger.unavailableEnvironments.length > 0) {
    // The plan asked not to wait for agents: the run ends at once, saying which environments lack one.
    const reason = `no live agent can serve ${trigger.unavailableEnvironments.join(', ')}`;
    await stopRun(trx, ctx, run.id, { status: 'completed', endedBy: 'system', reason, result: 'aborted' });
  } else if (!waiting) await startRunWork(trx, ctx, run.id);
  return { runId: run.id, created: true };
}

const insertRun = prepared(
  (
    db,
    v: {
      uuid: string;
      projectId: number;
      planId: number;
      source: TriggerSource;
      priority: number;
      trigger: string;
      build: string | null;
      branch: string | null;
      planSnapshot: string;
      idempotencyKey: string | null;
      idempotencyHash: string | null;
      waiting: number;
      now: number;
      deadlineAt: number | null;
      rerunParentId: number | null;
      rerunType: RerunType | null;
      apiKeyId: number | null;
    },
  ) =>
    db
      .insertInto('runs')
      .values({
        uuid: v.uuid,
        project_id: v.projectId,
        plan_id: v.planId,
        status: 'queued',
        source: v.source,
        result: null,
        priority: v.priority,
        trigger: v.trigger,
        build: v.build,
        branch: v.branch,
        plan_snapshot: v.planSnapshot,
        idempotency_key: v.idempotencyKey,
        idempotency_hash: v.idempotencyHash,
        waiting: v.waiting,
        created_at: v.now,
        deadline_at: v.deadlineAt,
        rerun_parent_id: v.rerunParentId,
        rerun_type: v.rerunType,
        api_key_id: v.apiKeyId,
      })
      .returning(['id', 'priority', 'created_at']),
);

const activeRunsOfPlan = prepared((db, v: { planId: number }) =>
  db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', v.planId)
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .orderBy('id'),
);

/** Returns true when the new run must wait for an active run of its plan. */
async function applyConcurrencyPolicy(trx: Kysely<Database>, ctx: QueueContext, plan: PlanRecord): Promise<boolean> {
  const policy = plan.definition.concurrency;
  if (policy === 'allow') return false;
  const active = await activeRunsOfPlan.all(trx, ctx.cap, { planId: plan.id });
  if (active.length === 0) return false;
  if (policy === 'skip') {
    throw new AppError(
      'PLAN_ALREADY_RUNNING',
      `plan "${plan.definition.name}" already has an active run and its concurrency policy is skip`,
      {
        details: { run_id: active[0]!.id, active_run_ids: active.map((r) => r.id) },
      },
    );
  }
  if (policy === 'queue') return true;
  for (const r of active) {
    await stopRun(trx, ctx, r.id, {
      status: 'cancelled',
      endedBy: 'system',
      reason: 'superseded by a newer run (cancel-previous)',
    });
  }
  return false;
}
