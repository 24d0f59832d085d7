import type { QueueContext } from './context.js';

/**
 * Undoes a claim whose answer never reached the agent (it hung up, or the server failed while
 * answering): the job goes straight back to the queue instead of waiting for its lease to expire,
 * and the attempt that never started is forgotten, so it does not count against the job's bound.
 */
export async function releaseClaim(ctx: QueueContext, jobId: number, leaseToken: string): Promise<boolean> {
  const released = await ctx.db.transaction().execute(async (trx) => {
    const attempt = await trx
      .deleteFrom('attempts')
      .where('job_id', '=', jobId)
      .where('lease_token', '=', leaseToken)
      .where('status', '=', 'running')
      .returning('id')
      .executeTakeFirst();
    if (!attempt) return false;
    const job = await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: 'queued',
        attempt: eb('attempt', '-', 1),
        lease_owner: null,
        lease_token: null,
        lease_expires_at: null,
      }))
      .where('id', '=', jobId)
      .where('lease_token', '=', leaseToken)
      .where('status', '=', 'running')
      .returning('id')
      .executeTakeFirst();
    if (!job) return false;
    await trx
      .updateTable('results')
      .set({ status: 'queued', job_id: null, started_at: null })
      .where('job_id', '=', jobId)
      .where('status', '=', 'running')
      .execute();
    return true;
  });
  if (released) ctx.wakeup.wake();
  return released;
}
