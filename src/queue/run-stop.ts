import type { Kysely } from 'kysely';
import { runResult, countsFrom, type RunCounts } from '../domain/run-outcome.js';
import {
  ACTIVE_JOB_STATUSES,
  ACTIVE_RUN_STATUSES,
  PENDING_SCENARIO_RESULTS,
  type EndedBy,
  type JobStatus,
  type RunResult,
  type ScenarioResult,
} from '../protocol/statuses.js';
import type { DialectCapabilities } from '../storage/dialect.js';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';
import { keepStart } from '../domain/text-cap.js';
import type { QueueContext } from './context.js';
import { recordEvent } from './record-event.js';
import { startRunWork } from './start-run.js';

const activeJobOfRun = prepared((db, v: { runId: number; statuses: JobStatus[] }) =>
  db.selectFrom('jobs').select('id').where('run_id', '=', v.runId).where('status', 'in', v.statuses).limit(1),
);

const resultCountsOfRun = prepared((db, v: { runId: number }) =>
  db
    .selectFrom('results')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('run_id', '=', v.runId)
    .groupBy('status'),
);
const settleUnfinishedResults = prepared((db, v: { runId: number }) =>
  db
    .updateTable('results')
    .set({ status: 'not_executed', message: 'the run ended before this scenario got a verdict' })
    .where('run_id', '=', v.runId)
    .where('status', 'in', PENDING_SCENARIO_RESULTS),
);
const completeRunRow = prepared((db, v: { runId: number; result: RunResult; now: number }) =>
  db
    .updateTable('runs')
    .set({ status: 'completed', result: v.result, finished_at: v.now })
    .where('id', '=', v.runId)
    .where('status', 'in', ACTIVE_RUN_STATUSES),
);
const planOfRun = prepared((db, v: { runId: number }) =>
  db.selectFrom('runs').select('plan_id').where('id', '=', v.runId),
);
const oldestWaitingRun = prepared((db, v: { planId: number }) =>
  db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', v.planId)
    .where('waiting', '=', 1)
    .where('status', '=', 'queued')
    .orderBy('id')
    .limit(1),
);
const releaseRunRow = prepared((db, v: { runId: number }) =>
  db.updateTable('runs').set({ waiting: 0 }).where('id', '=', v.runId).where('waiting', '=', 1),
);

export async function runCounts(db: Kysely<Database>, cap: DialectCapabilities, runId: number): Promise<RunCounts> {
  const rows = await resultCountsOfRun.all(db, cap, { runId });
  return countsFrom(rows.map((r) => ({ status: r.status, n: Number(r.n) })));
}

/** Longest reason kept: a sentence and the error it quotes, not a log (the job keeps the whole error). */
export const END_REASON_MAX = 2000;

export interface StopOptions {
  /** `cancelled` for a user's cancel; `completed` for fail-fast and run timeouts. */
  status: 'cancelled' | 'completed';
  endedBy: EndedBy;
  reason: string;
  /** Fixed result; computed from the counts when absent. */
  result?: RunResult;
}

/**
 * Stops an active run: queued jobs are cancelled, running jobs are asked to stop (their agents see it
 * on the next heartbeat), running scenarios become `stopped` and queued ones `not_executed`. Returns
 * false when the run had already ended (a concurrent stop won): zero rows changed is a conflict.
 */
export async function stopRun(
  trx: Kysely<Database>,
  ctx: QueueContext,
  runId: number,
  opts: StopOptions,
): Promise<boolean> {
  const now = ctx.clock();
  const reason = keepStart(opts.reason, END_REASON_MAX);
  const claimed = await trx
    .updateTable('runs')
    .set({ status: opts.status, finished_at: now, ended_by: opts.endedBy, end_reason: reason, waiting: 0 })
    .where('id', '=', runId)
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return false;
  await trx
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: now, ended_by: opts.endedBy, end_reason: reason })
    .where('run_id', '=', runId)
    .where('status', '=', 'queued')
    .execute();
  await trx
    .updateTable('jobs')
    .set({ cancel_requested: 1 })
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .execute();
  const resultStatus: ScenarioResult = opts.endedBy === 'timeout' ? 'aborted' : 'stopped';
  await trx
    .updateTable('results')
    .set({ status: resultStatus, finished_at: now, message: `${opts.endedBy}: ${opts.reason}` })
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .execute();
  await trx
    .updateTable('results')
    .set({ status: 'not_executed' })
    .where('run_id', '=', runId)
    .where('status', '=', 'queued')
    .execute();
  const result = opts.result ?? runResult(await runCounts(trx, ctx.cap, runId), opts.status === 'cancelled');
  await trx.updateTable('runs').set({ result }).where('id', '=', runId).execute();
  await recordEvent(trx, ctx, 'run.finished', runId);
  await releaseWaitingRun(trx, ctx, runId);
  return true;
}

/**
 * Completes a run once no job of it is active. Scenarios that never got a verdict are
 * `not_executed`. Returns true when this call completed the run.
 */
export async function finishRunIfDone(trx: Kysely<Database>, ctx: QueueContext, runId: number): Promise<boolean> {
  const now = ctx.clock();
  const active = await activeJobOfRun.first(trx, ctx.cap, { runId, statuses: [...ACTIVE_JOB_STATUSES] });
  if (active) return false;
  await settleUnfinishedResults.affected(trx, ctx.cap, { runId });
  const result = runResult(await runCounts(trx, ctx.cap, runId), false);
  if ((await completeRunRow.affected(trx, ctx.cap, { runId, result, now })) === 0) return false;
  await recordEvent(trx, ctx, 'run.finished', runId);
  await releaseWaitingRun(trx, ctx, runId);
  return true;
}

/**
 * Concurrency policy `queue`: when a run of a plan ends, the oldest run waiting for it starts (its
 * discovery is queued). The guarded update makes sure only one ending run releases it.
 */
async function releaseWaitingRun(trx: Kysely<Database>, ctx: QueueContext, endedRunId: number): Promise<void> {
  const ended = await planOfRun.first(trx, ctx.cap, { runId: endedRunId });
  if (!ended) throw new Error(`run ${endedRunId} vanished while it ended`);
  const next = await oldestWaitingRun.first(trx, ctx.cap, { planId: ended.plan_id });
  if (!next) return;
  if ((await releaseRunRow.affected(trx, ctx.cap, { runId: next.id })) === 0) return;
  await startRunWork(trx, ctx, next.id);
}
