import { sliceWhole } from '../domain/text-cap.js';
import { AppError } from '../protocol/errors.js';
import type { QueueContext } from './context.js';

/** Most log text kept per attempt; what comes after is acknowledged and dropped. */
export const LOG_CAP_CHARS = 5 * 1024 * 1024;
const MARKER = `\n…[log truncated: more than ${LOG_CAP_CHARS / 1024 / 1024} MiB]…\n`;

/**
 * Appends one chunk of an attempt's log. Chunks must arrive in order: `offset` must equal what the
 * server has so far, so a resent chunk (offset behind) and a lost one (offset ahead) are refused
 * with the offset to continue from. Fenced by the agent and lease token like every call of an attempt.
 */
export async function appendLog(
  ctx: QueueContext,
  agentId: number,
  jobId: number,
  req: { lease_token: string; offset: number; data: string },
): Promise<{ next_offset: number; truncated: boolean }> {
  return ctx.db.transaction().execute(async (trx) => {
    const attempt = await trx
      .selectFrom('attempts')
      .select(['id', 'attempt', 'log_bytes', 'log_truncated', 'status'])
      .where('job_id', '=', jobId)
      .where('lease_token', '=', req.lease_token)
      // The token alone is not enough: only the agent that holds the attempt writes its log.
      .where('agent_id', '=', agentId)
      .executeTakeFirst();
    if (attempt?.status !== 'running') {
      throw new AppError('LEASE_LOST', `job ${jobId}: this attempt no longer holds the job's lease; stop it`);
    }
    const have = Number(attempt.log_bytes);
    if (req.offset !== have) {
      throw new AppError(
        'CONFLICT',
        `log offset ${req.offset} does not continue the log, which has ${have} characters; resend from ${have}`,
        {
          details: { expected_offset: have },
        },
      );
    }
    const room = LOG_CAP_CHARS - have;
    const truncated = attempt.log_truncated === 1 || req.data.length > room;
    const kept =
      attempt.log_truncated === 1 ? '' : req.data.length > room ? sliceWhole(req.data, room) + MARKER : req.data;
    const next = have + req.data.length;
    const moved = await trx
      .updateTable('attempts')
      .set({ log_bytes: next, log_truncated: truncated ? 1 : 0 })
      .where('id', '=', attempt.id)
      .where('log_bytes', '=', have)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0)
      throw new AppError('CONFLICT', 'a concurrent chunk moved the log; resend', {
        details: { expected_offset: have },
      });
    if (kept.length > 0) {
      await trx
        .insertInto('log_chunks')
        .values({
          job_id: jobId,
          attempt: attempt.attempt,
          offset: have,
          length: kept.length,
          data: kept,
          created_at: ctx.clock(),
        })
        .execute();
    }
    return { next_offset: next, truncated };
  });
}
