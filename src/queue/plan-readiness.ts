import type { EnvironmentRecord } from '../storage/environments.js';
import { activeRunIdsOfPlan } from '../storage/vendor-runs.js';
import { liveEnvironmentIds } from './availability.js';
import type { QueueContext } from './context.js';
import { stopRun } from './run-stop.js';

/**
 * The environments no live agent can serve now: what a trigger would list as unavailable, asked
 * before triggering (Testinium's run without force starts nothing while one is missing).
 */
export async function unavailableEnvironments(
  ctx: QueueContext,
  environments: readonly EnvironmentRecord[],
): Promise<EnvironmentRecord[]> {
  const live = await liveEnvironmentIds(ctx.db, ctx.cap, environments, ctx.clock() - ctx.settings.agentLivenessMs);
  return environments.filter((e) => !live.has(e.id));
}

/**
 * Cancels every queued and running run of a plan, each in its own transaction (one guarded stop
 * per run: a run that ended meanwhile is left as it is). Returns the ids of the runs it stopped.
 */
export async function stopPlanRuns(ctx: QueueContext, planId: number, reason: string): Promise<number[]> {
  const stopped: number[] = [];
  for (const runId of await activeRunIdsOfPlan(ctx.db, planId)) {
    const done = await ctx.db
      .transaction()
      .execute((trx) => stopRun(trx, ctx, runId, { status: 'cancelled', endedBy: 'user', reason }));
    if (done) stopped.push(runId);
  }
  if (stopped.length > 0) ctx.wakeup.wake();
  return stopped;
}
