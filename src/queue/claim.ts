import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ClaimedJob } from '../protocol/agent-api.js';
import type { EnvironmentDefinition } from '../domain/plan-definition.js';
import { fromJson } from '../storage/json.js';
import type { Database, JobTable } from '../storage/schema.js';
import { servesEnvironment } from './availability.js';
import type { QueueContext } from './context.js';
import type { RunSnapshot, RunTrigger } from '../storage/run-data.js';
import { appBuildOf } from './app-build-ref.js';
import { releaseClaim } from './release-claim.js';
import { recordEvent } from './record-event.js';

export interface Claimer {
  agentId: number;
  labels: readonly string[];
}

/** Ids of every environment whose labels the agent carries. */
export async function servableEnvironmentIds(db: Kysely<Database>, labels: readonly string[]): Promise<number[]> {
  const envs = await db.selectFrom('environments').select(['id', 'definition']).execute();
  return envs.filter((e) => servesEnvironment(labels, fromJson<EnvironmentDefinition>(e.definition, { labels: [] } as never))).map((e) => e.id);
}

/**
 * Claims up to `max` jobs for an agent, each with one guarded statement: the sub-select picks the
 * first queued job (priority, then run age) whose environment the agent serves and whose run is
 * below its parallelism limit, and the UPDATE only succeeds while that job is still queued. On
 * PostgreSQL `SKIP LOCKED` lets concurrent claimers pass over each other's rows instead of waiting;
 * SQLite has one writer, so the statement is atomic by itself.
 */
export async function claimJobs(ctx: QueueContext, claimer: Claimer, max: number): Promise<ClaimedJob[]> {
  const envIds = await servableEnvironmentIds(ctx.db, claimer.labels);
  if (envIds.length === 0) return [];
  const claimed: ClaimedJob[] = [];
  try {
    for (let i = 0; i < max; i++) {
      const job = await ctx.db.transaction().execute((trx) => claimOne(trx, ctx, claimer, envIds));
      if (!job) break;
      claimed.push(job);
    }
  } catch (e) {
    // The caller gets an error, not these jobs: hand them back rather than strand them.
    for (const j of claimed) await releaseClaim(ctx, j.job_id, j.lease_token).catch(() => undefined);
    throw e;
  }
  return claimed;
}

async function claimOne(trx: Kysely<Database>, ctx: QueueContext, claimer: Claimer, envIds: number[]): Promise<ClaimedJob | null> {
  const now = ctx.clock();
  const token = randomBytes(16).toString('hex');
  const leaseExpiresAt = now + ctx.settings.leaseMs;
  const row = await trx
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      attempt: eb('attempt', '+', 1),
      lease_owner: claimer.agentId,
      lease_token: token,
      lease_expires_at: leaseExpiresAt,
      started_at: eb.fn.coalesce('started_at', eb.val(now)),
    }))
    .where('id', '=', (eb) =>
      eb
        .selectFrom('jobs as j')
        .select('j.id')
        .where('j.status', '=', 'queued')
        .where('j.environment_id', 'in', envIds)
        .where((w) =>
          w(
            w.selectFrom('jobs as r')
              .select((s) => s.fn.countAll().as('n'))
              .whereRef('r.run_id', '=', 'j.run_id')
              .where('r.status', '=', 'running'),
            '<',
            w.ref('j.max_parallel'),
          ),
        )
        .orderBy('j.priority', 'desc')
        .orderBy('j.run_created_at')
        .orderBy('j.id')
        .limit(1)
        .$if(ctx.cap.skipLocked, (q) => q.forUpdate().skipLocked()),
    )
    .where('status', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  await trx
    .insertInto('attempts')
    .values({ job_id: row.id, attempt: row.attempt, agent_id: claimer.agentId, lease_token: token, status: 'running', started_at: now })
    .execute();
  const scenarioIds = fromJson<number[]>(row.scenario_ids, []);
  if (scenarioIds.length > 0) {
    await trx
      .updateTable('results')
      .set({ status: 'running', job_id: row.id, started_at: now })
      .where('run_id', '=', row.run_id)
      .where('environment_id', '=', row.environment_id)
      .where('scenario_id', 'in', scenarioIds)
      .where('status', '=', 'queued')
      .execute();
  }
  const started = await trx.updateTable('runs').set({ status: 'running', started_at: now }).where('id', '=', row.run_id).where('status', '=', 'queued').executeTakeFirst();
  if (Number(started.numUpdatedRows) > 0) await recordEvent(trx, ctx, 'run.started', row.run_id);
  return buildPayload(trx, row, scenarioIds);
}

async function buildPayload(
  trx: Kysely<Database>,
  row: Selectable<JobTable>,
  scenarioIds: number[],
): Promise<ClaimedJob> {
  const run = await trx.selectFrom('runs').select(['plan_snapshot', 'trigger']).where('id', '=', row.run_id).executeTakeFirstOrThrow();
  const snapshot = fromJson<RunSnapshot>(run.plan_snapshot, null as never);
  const trigger = fromJson<RunTrigger>(run.trigger, null as never);
  const env = snapshot.environments.find((e) => e.id === row.environment_id) ?? snapshot.environments[0]!;
  const scenarios =
    scenarioIds.length === 0
      ? []
      : await trx.selectFrom('scenarios').select(['id', 'key', 'file', 'path']).where('id', 'in', scenarioIds).orderBy('id').execute();
  return {
    job_id: row.id,
    run_id: row.run_id,
    kind: row.kind as ClaimedJob['kind'],
    attempt: row.attempt,
    lease_token: row.lease_token!,
    lease_expires_at: row.lease_expires_at!,
    timeout_ms: row.timeout_ms,
    framework: snapshot.plan.framework,
    workdir: snapshot.plan.workdir,
    repo: snapshot.plan.repo,
    options: snapshot.plan.options,
    environment: { name: env.name, variables: env.variables, secrets: env.secrets },
    parameters: trigger.parameters,
    scenarios: scenarios.map((s) => ({ id: s.id, key: s.key, file: s.file, path: fromJson<string[]>(s.path, []) })),
    // Discovery lists tests and needs no app; only the jobs that run them download it.
    app_build: row.kind === 'execute' ? await appBuildOf(trx, trigger.appBuilds, env.name) : null,
  };
}
