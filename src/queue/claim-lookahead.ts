import { usesWorker } from '../domain/plan-definition.js';
import type { ClaimedJob } from '../protocol/agent-api.js';
import { ACTIVE_JOB_STATUSES } from '../protocol/statuses.js';
import { fromJson } from '../storage/json.js';
import { prepared } from '../storage/prepared.js';
import { claimOne, leasedColumns, type Claimer, type Lease } from './claim.js';
import type { QueueContext } from './context.js';

/**
 * The lookahead statement `claimLookahead` describes: the run and environment's first queued
 * execute job, while more of the run's scenarios are queued than twice those running. Those
 * running are about what the slots serving the run hold, lookaheads included; so there is no
 * lookahead behind long jobs (packed from history), nor for the last few rounds, when a scenario
 * is better left to whichever slot frees first. Ignores `max_parallel`: a lookahead runs on a
 * slot the run already has.
 */
const lookaheadStatement = (skipLocked: boolean) =>
  prepared((db, v: Lease & { runId: number; environmentId: number }) => {
    const scenariosOfRun = (status: 'queued' | 'running') =>
      db
        .selectFrom('results as c')
        .select((s) => s.fn.countAll().as('n'))
        .where('c.run_id', '=', v.runId)
        .where('c.status', '=', status);
    return db
      .updateTable('jobs')
      .set((eb) => leasedColumns(eb, v, 1))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('jobs as j')
          .select('j.id')
          .where('j.run_id', '=', v.runId)
          .where('j.environment_id', '=', v.environmentId)
          .where('j.kind', '=', 'execute')
          .where('j.status', '=', 'queued')
          .where((w) => w(scenariosOfRun('queued'), '>', w(scenariosOfRun('running'), '*', 2)))
          .orderBy('j.id')
          .limit(1)
          .$if(skipLocked, (q) => q.forUpdate().skipLocked()),
      )
      .where('status', '=', 'queued')
      .returningAll();
  });
const lookaheadSkipLocked = lookaheadStatement(true);
const lookaheadPlain = lookaheadStatement(false);

/** The job a lookahead would follow: a running job of the asking agent. */
const jobAhead = prepared((db, v: { jobId: number; agentId: number }) =>
  db
    .selectFrom('jobs')
    .select(['run_id', 'environment_id', 'run_created_at', 'scenario_ids', 'lookahead', 'expected_ms', 'max_parallel'])
    .where('id', '=', v.jobId)
    .where('lease_owner', '=', v.agentId)
    .where('status', '=', 'running'),
);

/** What the run still has queued in the environment (expected ms), and how many of its jobs hold a slot. */
const workLeft = prepared((db, v: { runId: number; environmentId: number }) =>
  db
    .selectFrom('jobs')
    .select((eb) => [
      eb.fn
        .sum<number | string | null>(eb.case().when('status', '=', 'queued').then(eb.ref('expected_ms')).else(0).end())
        .as('queued_ms'),
      eb.fn
        .sum<number | string | null>(
          eb
            .case()
            .when(eb.and([eb('status', '=', 'running'), eb('lookahead', '=', 0)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('running'),
    ])
    .where('run_id', '=', v.runId)
    .where('environment_id', '=', v.environmentId)
    .where('kind', '=', 'execute')
    .where('status', 'in', ACTIVE_JOB_STATUSES),
);

/** The slot's next job now has the slot (the job before it was completed): it counts toward `max_parallel` again. */
const takeSlot = prepared((db, v: { jobId: number }) =>
  db.updateTable('jobs').set({ lookahead: 0 }).where('id', '=', v.jobId).where('lookahead', '=', 1),
);

/**
 * Queue mode: claims the job a slot's worker takes after `afterJob` (a running job of this agent),
 * from the same run and environment, so that the worker goes from batch to batch without waiting
 * for a round trip. Null when the plan is not in queue mode, when the job ahead holds more than
 * one scenario (a lookahead would wait behind a long batch while another slot may free first) or
 * is expected to take more than half of what is left per slot, or when the run has few scenarios left.
 */
export async function claimLookahead(
  ctx: QueueContext,
  claimer: Claimer,
  afterJob: number,
): Promise<ClaimedJob | null> {
  return ctx.db.transaction().execute(async (trx) => {
    // Outside queue mode this is one read: agents ask with every completion.
    const after = await jobAhead.first(trx, ctx.cap, { jobId: afterJob, agentId: claimer.agentId });
    if (!after) return null;
    if (after.lookahead === 1) await takeSlot.affected(trx, ctx.cap, { jobId: afterJob });
    if (fromJson<number[]>(after.scenario_ids, []).length !== 1) return null;
    const { snapshot } = await ctx.runFacts.get(trx, ctx.cap, after.run_id, after.run_created_at);
    if (!usesWorker(snapshot.plan)) return null;
    if (after.expected_ms !== null) {
      // Nor behind a job expected to take long against what is left: the lookahead would wait on
      // this slot while the others run out of work (a heavy tail's longest scenario).
      const left = await workLeft.first(trx, ctx.cap, { runId: after.run_id, environmentId: after.environment_id });
      // Per slot: at a run's start few jobs run yet, so the run's parallelism counts, not those running.
      const perSlot = Number(left?.queued_ms ?? 0) / Math.max(1, Number(left?.running ?? 0), after.max_parallel);
      if (after.expected_ms > perSlot / 2) return null;
    }
    const statement = ctx.cap.skipLocked ? lookaheadSkipLocked : lookaheadPlain;
    return claimOne(trx, ctx, claimer, (token, now) =>
      statement.first(trx, ctx.cap, {
        runId: after.run_id,
        environmentId: after.environment_id,
        agentId: claimer.agentId,
        token,
        leaseExpiresAt: now + ctx.settings.leaseMs,
        now,
      }),
    );
  });
}
