import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/agent-api.js';
import { touchAgent } from '../storage/agents.js';
import type { QueueContext } from './context.js';

/**
 * Renews the leases an agent still holds and tells it which jobs to stop (`cancel`) and which it
 * no longer owns (`lost`). One guarded UPDATE per job: a token that is no longer the job's current
 * one renews nothing.
 */
export async function heartbeat(ctx: QueueContext, agentId: number, req: HeartbeatRequest): Promise<HeartbeatResponse> {
  const now = ctx.clock();
  const leaseExpiresAt = now + ctx.settings.leaseMs;
  const cancel: number[] = [];
  const lost: number[] = [];
  for (const j of req.jobs) {
    const row = await ctx.db
      .updateTable('jobs')
      .set({ lease_expires_at: leaseExpiresAt })
      .where('id', '=', j.job_id)
      .where('lease_token', '=', j.lease_token)
      .where('lease_owner', '=', agentId)
      .where('status', '=', 'running')
      .returning(['id', 'cancel_requested'])
      .executeTakeFirst();
    if (!row) lost.push(j.job_id);
    else if (row.cancel_requested) cancel.push(j.job_id);
  }
  await touchAgent(ctx.db, agentId, now);
  return { cancel, lost, lease_expires_at: leaseExpiresAt };
}
