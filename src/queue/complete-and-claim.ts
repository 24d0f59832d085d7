import type { ClaimedJob, CompleteRequest } from '../protocol/agent-api.js';
import { claimedFor, claimJobs, claimJobsIn, type Claimer } from './claim.js';
import { completeJob, completeJobIn, type CompleteOutcome } from './complete.js';
import type { QueueContext } from './context.js';

/**
 * Records an attempt's completion and claims the agent's next jobs: the call an agent makes after
 * every job.
 *
 * On SQLite both happen in one transaction. The server is the file's only writer, so nothing waits
 * on it, and a job costs one commit instead of two; a claim's error rolls the completion back too,
 * and the agent's retry of the (idempotent) completion does both again. On PostgreSQL the completion
 * holds its run's row lock until it commits: the claims follow in transactions of their own, so
 * other completions of the run do not wait for them.
 */
export async function completeAndClaim(
  ctx: QueueContext,
  jobId: number,
  claimer: Claimer,
  req: CompleteRequest,
  freeSlots: number,
): Promise<CompleteOutcome & { jobs: ClaimedJob[] }> {
  if (freeSlots <= 0 || ctx.cap.rowLocks) {
    const out = await completeJob(ctx, jobId, claimer.agentId, req);
    return { ...out, jobs: freeSlots > 0 ? await claimJobs(ctx, claimer, freeSlots) : [] };
  }
  const { out, jobs } = await ctx.db.transaction().execute(async (trx) => {
    const out = await completeJobIn(trx, ctx, jobId, claimer.agentId, req);
    return { out, jobs: await claimJobsIn(trx, ctx, claimer, freeSlots) };
  });
  if (!out.duplicate) ctx.wakeup.wake();
  claimedFor(ctx, claimer, jobs.length, freeSlots);
  return { ...out, jobs };
}
