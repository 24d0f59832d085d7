import type { Kysely, Selectable } from 'kysely';
import { capCompletion } from '../domain/cap-completion.js';
import { plural } from '../domain/plural.js';
import type { CompleteRequest } from '../protocol/agent-api.js';
import { AppError } from '../protocol/errors.js';
import { prepared } from '../storage/prepared.js';
import { storedText } from '../storage/stored-text.js';
import type { RunSnapshot } from '../storage/run-data.js';
import type { AttemptTable, Database, JobTable } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { expandRun } from './expand-run.js';
import { endJob } from './end-job.js';
import { recordResults } from './record-results.js';
import { recordSuiteRun } from './suite-run.js';
import { finishRunIfDone, stopRun } from './run-stop.js';
import { ACTIVE_RUN_STATUSES, type AttemptStatus, type EndedBy } from '../protocol/statuses.js';

const attemptByToken = prepared((db, v: { jobId: number; token: string }) =>
  db.selectFrom('attempts').selectAll().where('job_id', '=', v.jobId).where('lease_token', '=', v.token),
);
const jobById = prepared((db, v: { jobId: number }) => db.selectFrom('jobs').selectAll().where('id', '=', v.jobId));
const runStatus = prepared((db, v: { runId: number }) =>
  db.selectFrom('runs').select('status').where('id', '=', v.runId),
);
const finishAttemptRow = prepared(
  (
    db,
    v: {
      id: number;
      status: AttemptStatus;
      now: number;
      exitCode: number | null;
      error: string | null;
      reason: string | null;
      endedBy: EndedBy | null;
      output: string | null;
      durationMs: number | null;
      workMs: number | null;
    },
  ) =>
    db
      .updateTable('attempts')
      .set({
        status: v.status,
        finished_at: v.now,
        exit_code: v.exitCode,
        error: v.error,
        end_reason: v.reason,
        ended_by: v.endedBy,
        output: v.output,
        duration_ms: v.durationMs,
        work_ms: v.workMs,
      })
      .where('id', '=', v.id)
      .where('status', '=', 'running'),
);

export interface CompleteOutcome {
  /** True when this attempt had been completed before: nothing was recorded again. */
  duplicate: boolean;
}

/**
 * Records the end of one attempt of a job. Fenced by the lease token: the attempt must still be the
 * job's current one, else the call is refused with LEASE_LOST and changes nothing. A retried
 * completion of an already completed attempt is acknowledged without recording anything twice.
 */
export async function completeJob(
  ctx: QueueContext,
  jobId: number,
  agentId: number,
  req: CompleteRequest,
): Promise<CompleteOutcome> {
  const out = await ctx.db.transaction().execute((trx) => completeJobIn(trx, ctx, jobId, agentId, req));
  if (!out.duplicate) ctx.wakeup.wake();
  return out;
}

/**
 * `completeJob`'s work in the caller's transaction; the caller wakes the waiting claimers after it
 * commits (unless the outcome is a duplicate).
 */
export async function completeJobIn(
  trx: Kysely<Database>,
  ctx: QueueContext,
  jobId: number,
  agentId: number,
  sent: CompleteRequest,
): Promise<CompleteOutcome> {
  // An older or foreign agent's over-long text is cut the way Proctor's agent cuts it, not refused:
  // a refused completion would cost the job its lease, three times over.
  const req = withStoredKeys(capCompletion(sent));
  await lockRunOfJob(trx, ctx, jobId);
  const attempt = await attemptByToken.first(trx, ctx.cap, { jobId, token: req.lease_token });
  if (!attempt || attempt.agent_id !== agentId) throw leaseLost(jobId);
  if (attempt.status !== 'running') {
    if (attempt.status === 'lost') throw leaseLost(jobId);
    return { duplicate: true };
  }
  const job = await jobById.first(trx, ctx.cap, { jobId });
  if (!job) throw new AppError('NOT_FOUND', `job ${jobId} not found`);
  if (job.lease_token !== req.lease_token || job.status !== 'running') throw leaseLost(jobId);
  await finishAttempt(trx, ctx, attempt, req);
  if (job.kind === 'discover') await completeDiscovery(trx, ctx, job, req);
  else await completeExecution(trx, ctx, job, req);
  return { duplicate: false };
}

/**
 * Serialises the completions of one run. Without it, the last two jobs of a run completing at once
 * on PostgreSQL would each still see the other running, and neither would finish the run.
 */
export async function lockRunOfJob(trx: Kysely<Database>, ctx: QueueContext, jobId: number): Promise<void> {
  if (!ctx.cap.rowLocks) return;
  await trx
    .selectFrom('runs')
    .select('runs.id')
    .where('runs.id', '=', (eb) => eb.selectFrom('jobs').select('jobs.run_id').where('jobs.id', '=', jobId))
    .forUpdate()
    .execute();
}

/**
 * The scenario keys of a completion as the database holds them (`storedText`), so that the keys
 * compared here in memory (discovered against stored, reported against running) are the stored
 * ones on both sides, also for a key holding NUL.
 */
function withStoredKeys(req: CompleteRequest): CompleteRequest {
  const scenarios = req.scenarios?.map((s) => ({
    ...s,
    key: storedText(s.key),
    file: storedText(s.file),
    path: s.path.map(storedText),
    tags: s.tags.map(storedText),
  }));
  const results = req.results?.map((r) => (storedText(r.key) === r.key ? r : { ...r, key: storedText(r.key) }));
  return { ...req, ...(scenarios ? { scenarios } : {}), ...(results ? { results } : {}) };
}

function leaseLost(jobId: number): AppError {
  return new AppError(
    'LEASE_LOST',
    `job ${jobId}: this attempt no longer holds the job's lease; stop it and report nothing`,
  );
}

async function finishAttempt(
  trx: Kysely<Database>,
  ctx: QueueContext,
  attempt: Selectable<AttemptTable>,
  req: CompleteRequest,
) {
  const changed = await finishAttemptRow.affected(trx, ctx.cap, {
    id: attempt.id,
    status: req.outcome,
    now: ctx.clock(),
    exitCode: req.exit_code ?? null,
    error: req.error ?? null,
    reason: req.reason ?? null,
    endedBy: req.reason === 'timeout' ? 'timeout' : req.outcome === 'cancelled' ? 'user' : null,
    output: req.output ?? null,
    // A worker's start is paid once per slot: learning it as a cost of this job or its files would
    // charge it to every job.
    durationMs: req.duration_ms === undefined || req.worker_started ? null : storedMs(req.duration_ms),
    workMs: req.results === undefined ? null : storedMs(req.results.reduce((sum, r) => sum + r.durationMs, 0)),
  });
  if (changed === 0) throw new AppError('CONFLICT', `attempt ${attempt.id} was completed concurrently`);
}

/** A reported time as an integer column holds it (an agent's figure is not trusted to fit). */
const storedMs = (ms: number): number => Math.min(Math.round(ms), 2 ** 31 - 1);

/** Puts a job back in the queue for another attempt; its scenarios wait again. */
export async function requeueJob(trx: Kysely<Database>, job: Selectable<JobTable>): Promise<void> {
  await trx
    .updateTable('jobs')
    // A discovery's next attempt lists the suite (see suite-run.ts).
    .set({ status: 'queued', lease_owner: null, lease_token: null, lease_expires_at: null, suite_run: 0 })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .execute();
  await trx
    .updateTable('results')
    .set({ status: 'queued', job_id: null })
    .where('job_id', '=', job.id)
    .where('status', '=', 'running')
    .execute();
}

function shouldRetry(job: Selectable<JobTable>, req: CompleteRequest, runActive: boolean): boolean {
  return (
    req.outcome === 'errored' &&
    req.retryable === true &&
    runActive &&
    job.attempt < job.max_attempts &&
    job.cancel_requested === 0
  );
}

/** The job's run as completion needs it: whether it is still active, and its plan. */
async function runOf(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
): Promise<{ active: boolean; plan: RunSnapshot['plan'] }> {
  const run = await runStatus.first(trx, ctx.cap, { runId: job.run_id });
  if (!run) throw new AppError('NOT_FOUND', `run ${job.run_id} not found`);
  const { snapshot } = await ctx.runFacts.get(trx, ctx.cap, job.run_id, job.run_created_at);
  return { active: (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status), plan: snapshot.plan };
}

async function completeDiscovery(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  req: CompleteRequest,
) {
  const { active } = await runOf(trx, ctx, job);
  if (shouldRetry(job, req, active)) return requeueJob(trx, job);
  if (req.outcome !== 'completed' || !active) {
    await endJob(trx, ctx, job, {
      by: 'agent',
      outcome: req.outcome === 'completed' ? 'cancelled' : req.outcome,
      reason: req.reason,
      error: req.error,
    });
    const reason =
      req.outcome === 'cancelled' ? 'cancelled' : `discovery failed: ${req.error ?? req.reason ?? 'unknown error'}`;
    await stopRun(trx, ctx, job.run_id, {
      status: 'completed',
      endedBy: req.reason === 'timeout' ? 'timeout' : 'system',
      reason,
      result: 'aborted',
    });
    return;
  }
  // A discovery offered to run the suite (see suite-run.ts) reports the results too.
  if (job.suite_run === 1 && req.results !== undefined)
    return recordSuiteRun(trx, ctx, job, req.scenarios ?? [], req.results, req.error);
  await endJob(trx, ctx, job, { by: 'agent', outcome: 'completed', reason: req.reason, error: req.error });
  await expandRun(trx, ctx, job.run_id, req.scenarios ?? []);
}

async function completeExecution(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  req: CompleteRequest,
) {
  const { active, plan } = await runOf(trx, ctx, job);
  if (req.results?.length) await recordResults(trx, ctx, job, req.results, plan.retries);
  if (shouldRetry(job, req, active)) {
    await requeueJob(trx, job);
    return;
  }
  await endJob(trx, ctx, job, { by: 'agent', outcome: req.outcome, reason: req.reason, error: req.error });
  const failFast = plan.failFast;
  if (failFast > 0 && active) {
    const failed = await trx
      .selectFrom('results')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', job.run_id)
      .where('status', '=', 'failed')
      .executeTakeFirstOrThrow();
    if (Number(failed.n) >= failFast) {
      await stopRun(trx, ctx, job.run_id, {
        status: 'completed',
        endedBy: 'fail_fast',
        reason: `${plural(Number(failed.n), 'failed scenario')} reached fail_fast ${failFast}`,
      });
      return;
    }
  }
  await finishRunIfDone(trx, ctx, job.run_id);
}
