import type { ClaimedJob } from '../protocol/agent-api.js';
import { touchAgent } from '../storage/agents.js';
import { claimJobs, type Claimer } from './claim.js';
import type { QueueContext } from './context.js';
import { wakeGroup } from './wakeup.js';

/** Liveness is judged in tens of seconds: one write a second per waiting agent is plenty. */
const TOUCH_EVERY_MS = 1000;
/** A waiting claim looks again at least this often, woken or not (a wake lost between replicas). */
const LOOK_AGAIN_MS = 5000;

/**
 * A claim that waits: claims up to `freeSlots` jobs for the agent, and while none fits, waits for a
 * wake of its label group (a job queued on any replica) until `waitMs` passed or `gone` aborts (the
 * agent hung up). The agent's `last_seen_at` is kept fresh meanwhile, by the queue's clock.
 *
 * The wait itself is measured on a monotonic clock, not the queue's: it is how long a socket
 * stays open, which an injected clock (tests freeze it to move leases) must not stretch.
 */
export async function claimWaiting(
  ctx: QueueContext,
  claimer: Claimer & { lastSeenAt: number | null },
  freeSlots: number,
  waitMs: number,
  gone: AbortSignal,
): Promise<ClaimedJob[]> {
  const deadline = performance.now() + waitMs;
  const group = wakeGroup(claimer.labels);
  let touched = claimer.lastSeenAt ?? 0;
  for (;;) {
    if (ctx.clock() - touched >= TOUCH_EVERY_MS) {
      touched = ctx.clock();
      await touchAgent(ctx.db, claimer.agentId, touched);
    }
    const mark = ctx.wakeup.mark;
    const jobs = await claimJobs(ctx, claimer, freeSlots);
    const left = deadline - performance.now();
    if (jobs.length > 0 || left <= 0 || gone.aborted) return jobs;
    await ctx.wakeup.wait(group, Math.min(left, LOOK_AGAIN_MS), mark, gone);
  }
}
