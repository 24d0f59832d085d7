import type { Kysely, Selectable } from 'kysely';
import { ACTIVE_JOB_STATUSES, ACTIVE_RUN_STATUSES } from '../protocol/statuses.js';
import { markAgentsLost } from '../storage/agents.js';
import type { Database, JobTable } from '../storage/schema.js';
import { lockRunOfJob, requeueJob } from './complete.js';
import type { QueueContext } from './context.js';
import { endJob } from './end-job.js';
import { finishRunIfDone, stopRun } from './run-stop.js';

export interface ReapReport {
  requeued: number;
  errored: number;
  timedOutJobs: number;
  timedOutRuns: number;
}

/**
 * One pass of the reaper: jobs whose lease expired go back to the queue (or are errored once their
 * attempts are used up), jobs past their timeout and runs past their deadline are ended, and agents
 * not seen for a while are marked lost. Every change is a guarded statement, so any number of
 * replicas may run it at once.
 */
export async function reap(ctx: QueueContext): Promise<ReapReport> {
  const now = ctx.clock();
  const report: ReapReport = { requeued: 0, errored: 0, timedOutJobs: 0, timedOutRuns: 0 };
  const expired = await ctx.db
    .selectFrom('jobs')
    .selectAll()
    .where('status', '=', 'running')
    .where('lease_expires_at', '<', now)
    .limit(200)
    .execute();
  for (const job of expired) {
    const outcome = await ctx.db.transaction().execute((trx) => expireLease(trx, ctx, job));
    if (outcome === 'requeued') report.requeued++;
    if (outcome === 'errored') report.errored++;
  }
  report.timedOutJobs = await reapJobTimeouts(ctx, now);
  report.timedOutRuns = await reapRunDeadlines(ctx, now);
  await finishOrphanedRuns(ctx);
  await markAgentsLost(ctx.db, { notSeenSince: now - ctx.settings.agentLivenessMs });
  if (report.requeued > 0) ctx.wakeup.wake();
  return report;
}

async function expireLease(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
): Promise<'requeued' | 'errored' | 'skipped'> {
  const now = ctx.clock();
  await lockRunOfJob(trx, ctx, job.id);
  const lost = await trx
    .updateTable('attempts')
    .set({
      status: 'lost',
      finished_at: now,
      ended_by: 'agent_lost',
      end_reason: 'lease_expired',
      error: 'the agent stopped renewing its lease',
    })
    .where('job_id', '=', job.id)
    .where('lease_token', '=', job.lease_token)
    .where('status', '=', 'running')
    .executeTakeFirst();
  // Zero rows: the agent completed the attempt after we read the job; nothing to reap.
  if (Number(lost.numUpdatedRows) === 0) return 'skipped';
  if (job.lease_owner !== null) await markAgentsLost(trx, { id: job.lease_owner });
  const run = await trx.selectFrom('runs').select('status').where('id', '=', job.run_id).executeTakeFirstOrThrow();
  const runActive = (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status);
  if (runActive && job.attempt < job.max_attempts && job.cancel_requested === 0) {
    await requeueJob(trx, job);
    return 'requeued';
  }
  await endJob(trx, ctx, job, { by: 'lease', runActive, attempts: job.attempt });
  if (job.kind === 'discover' && runActive) {
    await stopRun(trx, ctx, job.run_id, {
      status: 'completed',
      endedBy: 'agent_lost',
      reason: 'discovery lost its agent',
      result: 'aborted',
    });
  } else await finishRunIfDone(trx, ctx, job.run_id);
  return 'errored';
}

/** Backstop for agents that died without killing a job past its timeout. */
async function reapJobTimeouts(ctx: QueueContext, now: number): Promise<number> {
  const overdue = await ctx.db
    .selectFrom('jobs')
    .innerJoin('attempts', (j) =>
      j.onRef('attempts.job_id', '=', 'jobs.id').onRef('attempts.lease_token', '=', 'jobs.lease_token'),
    )
    .selectAll('jobs')
    .where('jobs.status', '=', 'running')
    .where((eb) => eb(eb('attempts.started_at', '+', eb.ref('jobs.timeout_ms')), '<', now - ctx.settings.leaseMs))
    .limit(200)
    .execute();
  for (const job of overdue) {
    await ctx.db.transaction().execute(async (trx) => {
      await lockRunOfJob(trx, ctx, job.id);
      const res = await trx
        .updateTable('attempts')
        .set({ status: 'errored', finished_at: now, ended_by: 'timeout', end_reason: 'job_timeout' })
        .where('job_id', '=', job.id)
        .where('lease_token', '=', job.lease_token)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return;
      await endJob(trx, ctx, job, { by: 'timeout', timeoutMs: job.timeout_ms });
      await finishRunIfDone(trx, ctx, job.run_id);
    });
  }
  return overdue.length;
}

async function reapRunDeadlines(ctx: QueueContext, now: number): Promise<number> {
  const runs = await ctx.db
    .selectFrom('runs')
    .select('id')
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .where('deadline_at', '<', now)
    .limit(200)
    .execute();
  let n = 0;
  for (const r of runs) {
    const stopped = await ctx.db.transaction().execute((trx) =>
      stopRun(trx, ctx, r.id, {
        status: 'completed',
        endedBy: 'timeout',
        reason: 'run exceeded its run_timeout',
        result: 'aborted',
      }),
    );
    if (stopped) n++;
  }
  return n;
}

/**
 * Backstop: a running run with no active job left is finished. Completions finish their run
 * themselves; this catches any path that did not, so no run stays "running" with nobody on it.
 */
async function finishOrphanedRuns(ctx: QueueContext): Promise<void> {
  const orphans = await ctx.db
    .selectFrom('runs')
    .select('runs.id')
    .where('runs.status', '=', 'running')
    .where('runs.waiting', '=', 0)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('jobs')
            .select('jobs.id')
            .whereRef('jobs.run_id', '=', 'runs.id')
            .where('jobs.status', 'in', ACTIVE_JOB_STATUSES),
        ),
      ),
    )
    .limit(100)
    .execute();
  for (const r of orphans) await ctx.db.transaction().execute((trx) => finishRunIfDone(trx, ctx, r.id));
}
