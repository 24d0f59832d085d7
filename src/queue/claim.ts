import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { ClaimedJob } from '../protocol/agent-api.js';
import type { EnvironmentDefinition } from '../domain/plan-definition.js';
import type { DialectCapabilities } from '../storage/dialect.js';
import { fromJson } from '../storage/json.js';
import { prepared } from '../storage/prepared.js';
import type { Database, JobTable } from '../storage/schema.js';
import { servesEnvironment, type AgentReach } from './availability.js';
import type { QueueContext } from './context.js';
import { appBuildOf } from './app-build-ref.js';
import { releaseClaim } from './release-claim.js';
import { recordEvent } from './record-event.js';
import { leaseSuiteRun, offersSuiteRun } from './suite-run.js';
import { wakeGroup } from './wakeup.js';

export interface Claimer extends AgentReach {
  agentId: number;
}

const allEnvironments = prepared((db) => db.selectFrom('environments').select(['id', 'project_id', 'definition']));

/** Ids of every environment whose labels the agent carries, in the projects it may claim from. */
export async function servableEnvironmentIds(
  db: Kysely<Database>,
  cap: DialectCapabilities,
  claimer: Claimer,
): Promise<number[]> {
  const envs = await allEnvironments.all(db, cap, {});
  return envs
    .filter((e) =>
      servesEnvironment(
        claimer,
        e.project_id,
        fromJson<Pick<EnvironmentDefinition, 'labels'>>(e.definition, { labels: [] }),
      ),
    )
    .map((e) => e.id);
}

/**
 * Claims up to `max` jobs for an agent, each with one guarded statement: the sub-select picks the
 * first queued job (priority, then run age) whose environment the agent serves and whose run is
 * below its parallelism limit, and the UPDATE only succeeds while that job is still queued. On
 * PostgreSQL `SKIP LOCKED` lets concurrent claimers pass over each other's rows instead of waiting;
 * SQLite has one writer, so the statement is atomic by itself.
 */
export async function claimJobs(ctx: QueueContext, claimer: Claimer, max: number): Promise<ClaimedJob[]> {
  const envIds = await servableEnvironmentIds(ctx.db, ctx.cap, claimer);
  if (envIds.length === 0) return [];
  const claimed: ClaimedJob[] = [];
  try {
    for (let i = 0; i < max; i++) {
      const job = await ctx.db.transaction().execute((trx) => claimNext(trx, ctx, claimer, envIds));
      if (!job) break;
      claimed.push(job);
    }
  } catch (e) {
    // The caller gets an error, not these jobs: hand them back rather than strand them.
    for (const j of claimed) await releaseClaim(ctx, j.job_id, j.lease_token).catch(() => undefined);
    throw e;
  }
  claimedFor(ctx, claimer, claimed.length, max);
  return claimed;
}

/**
 * Claims up to `max` jobs in the caller's transaction (on SQLite, one writer: the claims commit or
 * roll back with the caller's work). Call `claimedFor` once it committed.
 */
export async function claimJobsIn(
  trx: Kysely<Database>,
  ctx: QueueContext,
  claimer: Claimer,
  max: number,
): Promise<ClaimedJob[]> {
  const envIds = await servableEnvironmentIds(trx, ctx.cap, claimer);
  const claimed: ClaimedJob[] = [];
  while (envIds.length > 0 && claimed.length < max) {
    const job = await claimNext(trx, ctx, claimer, envIds);
    if (!job) break;
    claimed.push(job);
  }
  return claimed;
}

/** After claims committed: a claimer that got all it asked for leaves more claimable, so the next waiting claimer of its kind tries. */
export function claimedFor(ctx: QueueContext, claimer: Claimer, got: number, max: number): void {
  if (got === max && max > 0) ctx.wakeup.passOn(wakeGroup(claimer.labels));
}

function claimNext(
  trx: Kysely<Database>,
  ctx: QueueContext,
  claimer: Claimer,
  envIds: number[],
): Promise<ClaimedJob | null> {
  const claim = ctx.cap.skipLocked ? claimSkipLocked : claimPlain;
  return claimOne(trx, ctx, claimer, (token, now) =>
    claim.first(trx, ctx.cap, {
      envIds,
      agentId: claimer.agentId,
      token,
      leaseExpiresAt: now + ctx.settings.leaseMs,
      now,
    }),
  );
}

/** What a claim leases a job with: a fresh token, until `leaseExpiresAt`. (A type, not an interface: prepared values are records.) */
export type Lease = {
  agentId: number;
  token: string;
  leaseExpiresAt: number;
  now: number;
};

/** The columns a claim sets: the job runs, leased to the agent, as one more attempt (a lookahead waits on a slot: 1). */
export function leasedColumns(eb: ExpressionBuilder<Database, 'jobs'>, v: Lease, lookahead: 0 | 1) {
  return {
    status: 'running',
    attempt: eb('attempt', '+', 1),
    lease_owner: v.agentId,
    lease_token: v.token,
    lease_expires_at: v.leaseExpiresAt,
    lookahead,
    started_at: eb.fn.coalesce('started_at', eb.val(v.now)),
  } as const;
}

/** The guarded claim statement `claimJobs` describes; `FOR UPDATE SKIP LOCKED` where the dialect has it. */
const claimStatement = (skipLocked: boolean) =>
  prepared((db, v: Lease & { envIds: number[] }) =>
    db
      .updateTable('jobs')
      .set((eb) => leasedColumns(eb, v, 0))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('jobs as j')
          .select('j.id')
          .where('j.status', '=', 'queued')
          .where('j.environment_id', 'in', v.envIds)
          .where((w) =>
            w(
              w
                .selectFrom('jobs as r')
                .select((s) => s.fn.countAll().as('n'))
                .whereRef('r.run_id', '=', 'j.run_id')
                .where('r.status', '=', 'running')
                .where('r.lookahead', '=', 0),
              '<',
              w.ref('j.max_parallel'),
            ),
          )
          .orderBy('j.priority', 'desc')
          .orderBy('j.run_created_at')
          .orderBy('j.id')
          .limit(1)
          .$if(skipLocked, (q) => q.forUpdate().skipLocked()),
      )
      .where('status', '=', 'queued')
      .returningAll(),
  );
const claimSkipLocked = claimStatement(true);
const claimPlain = claimStatement(false);

const insertAttempt = prepared(
  (db, v: { jobId: number; attempt: number; agentId: number; token: string; now: number }) =>
    db.insertInto('attempts').values({
      job_id: v.jobId,
      attempt: v.attempt,
      agent_id: v.agentId,
      lease_token: v.token,
      status: 'running',
      started_at: v.now,
    }),
);

const startResults = prepared(
  (db, v: { jobId: number; runId: number; environmentId: number; scenarioIds: number[]; now: number }) =>
    db
      .updateTable('results')
      .set({ status: 'running', job_id: v.jobId, started_at: v.now })
      .where('run_id', '=', v.runId)
      .where('environment_id', '=', v.environmentId)
      .where('scenario_id', 'in', v.scenarioIds)
      .where('status', '=', 'queued'),
);

const startRun = prepared((db, v: { runId: number; now: number }) =>
  db
    .updateTable('runs')
    .set({ status: 'running', started_at: v.now })
    .where('id', '=', v.runId)
    .where('status', '=', 'queued'),
);

const scenariosById = prepared((db, v: { ids: number[] }) =>
  db.selectFrom('scenarios').select(['id', 'key', 'file', 'path']).where('id', 'in', v.ids).orderBy('id'),
);

/** Leases the job `leaseRow` picks (with a fresh token) and starts its attempt, results and run. */
export async function claimOne(
  trx: Kysely<Database>,
  ctx: QueueContext,
  claimer: Claimer,
  leaseRow: (token: string, now: number) => Promise<Selectable<JobTable> | undefined>,
): Promise<ClaimedJob | null> {
  const now = ctx.clock();
  const token = randomUUID(); // 122 random bits, from a buffered entropy pool
  const row = await leaseRow(token, now);
  if (!row) return null;
  await insertAttempt.affected(trx, ctx.cap, {
    jobId: row.id,
    attempt: row.attempt,
    agentId: claimer.agentId,
    token,
    now,
  });
  const scenarioIds = fromJson<number[]>(row.scenario_ids, []);
  if (scenarioIds.length > 0)
    await startResults.affected(trx, ctx.cap, {
      jobId: row.id,
      runId: row.run_id,
      environmentId: row.environment_id,
      scenarioIds,
      now,
    });
  if ((await startRun.affected(trx, ctx.cap, { runId: row.run_id, now })) > 0)
    await recordEvent(trx, ctx, 'run.started', row.run_id);
  return buildPayload(trx, ctx, row, scenarioIds);
}

async function buildPayload(
  trx: Kysely<Database>,
  ctx: QueueContext,
  row: Selectable<JobTable>,
  scenarioIds: number[],
): Promise<ClaimedJob> {
  const { projectId, snapshot, trigger } = await ctx.runFacts.get(trx, ctx.cap, row.run_id, row.run_created_at);
  const runSuite = await offersSuiteRun(trx, ctx, row, projectId, snapshot, trigger);
  const timeoutMs = runSuite ? await leaseSuiteRun(trx, row, snapshot.plan) : row.timeout_ms;
  const env = snapshot.environments.find((e) => e.id === row.environment_id) ?? snapshot.environments[0]!;
  const scenarios = scenarioIds.length === 0 ? [] : await scenariosById.all(trx, ctx.cap, { ids: scenarioIds });
  return {
    job_id: row.id,
    run_id: row.run_id,
    project_id: projectId,
    kind: row.kind as ClaimedJob['kind'],
    attempt: row.attempt,
    lease_token: row.lease_token!,
    lease_expires_at: row.lease_expires_at!,
    timeout_ms: timeoutMs,
    framework: snapshot.plan.framework,
    workdir: snapshot.plan.workdir,
    repo: snapshot.plan.repo,
    options: snapshot.plan.options,
    environment: { name: env.name, variables: env.variables, secrets: env.secrets },
    parameters: trigger.parameters,
    scenarios: scenarios.map((s) => ({ id: s.id, key: s.key, file: s.file, path: fromJson<string[]>(s.path, []) })),
    ...(runSuite ? { run_suite: true } : {}),
    // Discovery lists tests and needs no app; only the jobs that run them download it.
    app_build: row.kind === 'execute' || runSuite ? await appBuildOf(trx, trigger.appBuilds, env.name) : null,
    // Configuration, not data: the agent needs the administrator's allow list for its own downloads.
    outbound_allow: ctx.settings.outboundAllow as string[],
  };
}
