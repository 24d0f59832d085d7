import type { Kysely, Selectable } from 'kysely';
import type { Static } from 'typebox';
import { scenarioResultOf } from '../domain/run-outcome.js';
import { keepEnd } from '../domain/text-cap.js';
import type { TestReportSchema } from '../protocol/agent-api.js';
import type { ScenarioResult } from '../protocol/statuses.js';
import { prepared } from '../storage/prepared.js';
import type { Database, JobTable } from '../storage/schema.js';
import type { QueueContext } from './context.js';

type TestReport = Static<typeof TestReportSchema>;

const runningResultsOfJob = prepared((db, v: { jobId: number }) =>
  db
    .selectFrom('results')
    .innerJoin('scenarios', 'scenarios.id', 'results.scenario_id')
    .select(['results.id', 'results.scenario_id', 'results.failures', 'results.attempts', 'scenarios.key'])
    .where('results.job_id', '=', v.jobId)
    .where('results.status', '=', 'running'),
);
const recordResult = prepared(
  (
    db,
    v: {
      id: number;
      status: ScenarioResult;
      jobId: number | null;
      attempts: number;
      failures: number;
      durationMs: number;
      message: string | null;
      stack: string | null;
      stdout: string | null;
      stderr: string | null;
      finishedAt: number | null;
    },
  ) =>
    db
      .updateTable('results')
      .set({
        status: v.status,
        job_id: v.jobId,
        attempts: v.attempts,
        failures: v.failures,
        duration_ms: v.durationMs,
        message: v.message,
        stack: v.stack,
        stdout: v.stdout,
        stderr: v.stderr,
        finished_at: v.finishedAt,
      })
      .where('id', '=', v.id)
      .where('status', '=', 'running'),
);
const settleRunning = prepared((db, v: { jobId: number; status: ScenarioResult; message: string; now: number }) =>
  db
    .updateTable('results')
    .set({ status: v.status, message: v.message, finished_at: v.now })
    .where('job_id', '=', v.jobId)
    .where('status', '=', 'running'),
);

/**
 * Records what the framework reported for the scenarios of one job. A failure with retries left
 * puts the scenario back in the queue (in a new job, after this one); a pass after an earlier
 * failure is flaky. Reports of tests outside the job are ignored: another job owns them.
 */
export async function recordResults(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  reports: TestReport[],
  retries: number,
) {
  const rows = await runningResultsOfJob.all(trx, ctx.cap, { jobId: job.id });
  const byKey = new Map(reports.map((r) => [r.key, r]));
  const now = ctx.clock();
  const retry: number[] = [];
  for (const row of rows) {
    const report = byKey.get(row.key);
    if (!report) continue;
    const failedNow = report.outcome === 'failed' || report.outcome === 'errored';
    const again = failedNow && row.failures < retries;
    const status: ScenarioResult = again
      ? 'queued'
      : scenarioResultOf(report.outcome, row.failures, report.retries ?? 0);
    if (again) retry.push(row.scenario_id);
    await recordResult.affected(trx, ctx.cap, {
      id: row.id,
      status,
      jobId: again ? null : job.id,
      attempts: row.attempts + 1,
      failures: row.failures + (failedNow ? 1 : 0),
      durationMs: Math.round(report.durationMs),
      message: report.message ?? null,
      stack: report.stack ?? null,
      stdout: report.stdout ?? null,
      stderr: report.stderr ?? null,
      finishedAt: again ? null : now,
    });
  }
  if (retry.length > 0) await queueRetryJob(trx, ctx, job, retry);
}

async function queueRetryJob(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  scenarioIds: number[],
) {
  await trx
    .insertInto('jobs')
    .values({
      run_id: job.run_id,
      kind: 'execute',
      environment_id: job.environment_id,
      environment_name: job.environment_name,
      status: 'queued',
      scenario_ids: JSON.stringify(scenarioIds),
      priority: job.priority,
      run_created_at: job.run_created_at,
      max_parallel: job.max_parallel,
      timeout_ms: job.timeout_ms,
      attempt: 0,
      max_attempts: job.max_attempts,
      created_at: ctx.clock(),
    })
    .execute();
}

/**
 * Gives every scenario of an ending job that got no verdict one: `not_executed` when the framework
 * ran but did not report it, `aborted` when the job errored, `stopped` when it was cancelled.
 */
export async function settleUnreported(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  outcome: 'completed' | 'errored' | 'cancelled',
  error: string | null,
) {
  const status: ScenarioResult =
    outcome === 'completed' ? 'not_executed' : outcome === 'errored' ? 'aborted' : 'stopped';
  const message =
    outcome === 'completed'
      ? 'the framework ran but did not report this scenario'
      : (error ?? (outcome === 'cancelled' ? 'cancelled' : 'the job errored'));
  await settleRunning.affected(trx, ctx.cap, {
    jobId: job.id,
    status,
    message: keepEnd(message, 65_536),
    now: ctx.clock(),
  });
}
