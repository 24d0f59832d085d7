import { AppError } from '../protocol/errors.js';
import type { QueueContext } from './context.js';

/**
 * Most log text kept per attempt: its first `LOG_HEAD_CHARS` and its last `LOG_TAIL_CHARS`. A job's
 * log ends where it failed, so the end is kept whatever the length, and the start (what ran, with
 * which settings) too; what was between is dropped as the log grows, and readers are told how much
 * (`droppedFromLog` in `domain/text-cap.ts`). A chunk is kept whole on either side, so each part may pass its figure by one
 * chunk (256 Ki characters at most): `LOG_CAP_CHARS` is the most kept in all.
 */
export const LOG_HEAD_CHARS = 1024 * 1024;
export const LOG_TAIL_CHARS = 3.5 * 1024 * 1024;
const CHUNK_CHARS = 256 * 1024;
export const LOG_CAP_CHARS = LOG_HEAD_CHARS + LOG_TAIL_CHARS + 2 * CHUNK_CHARS;

/**
 * Appends one chunk of an attempt's log. Chunks must arrive in order: `offset` must equal what the
 * server has so far, so a resent chunk (offset behind) and a lost one (offset ahead) are refused
 * with the offset to continue from. Fenced by the agent and lease token like every call of an attempt.
 *
 * Past the head, the oldest chunks of the tail are deleted as new ones arrive: a gap between two
 * chunks' offsets is what was dropped, and the readers (`storage/run-jobs.ts`, the archive's
 * `storage/ended-logs.ts`) show a marker there.
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
    const next = have + req.data.length;
    const moved = await trx
      .updateTable('attempts')
      .set({ log_bytes: next })
      .where('id', '=', attempt.id)
      .where('log_bytes', '=', have)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0)
      throw new AppError('CONFLICT', 'a concurrent chunk moved the log; resend', {
        details: { expected_offset: have },
      });
    if (req.data.length > 0) {
      await trx
        .insertInto('log_chunks')
        .values({
          job_id: jobId,
          attempt: attempt.attempt,
          offset: have,
          length: req.data.length,
          data: req.data,
          created_at: ctx.clock(),
        })
        .execute();
    }
    let truncated = attempt.log_truncated === 1;
    if (next > LOG_HEAD_CHARS + LOG_TAIL_CHARS) {
      // The head is never deleted: its first chunk (offset 0) is how the archiver finds ended logs.
      // The tail's chunks (those that start past the head) that end before the last LOG_TAIL_CHARS.
      // Within the attempt's rows of the (job_id, attempt, offset) index, from the head's end on: a
      // range of at most the tail's chunks and the one or two that now leave it.
      const dropped = await trx
        .deleteFrom('log_chunks')
        .where('job_id', '=', jobId)
        .where('attempt', '=', attempt.attempt)
        .where('offset', '>=', LOG_HEAD_CHARS)
        .where((eb) => eb(eb('offset', '+', eb.ref('length')), '<=', next - LOG_TAIL_CHARS))
        .executeTakeFirst();
      if (!truncated && Number(dropped.numDeletedRows) > 0) {
        truncated = true;
        await trx.updateTable('attempts').set({ log_truncated: 1 }).where('id', '=', attempt.id).execute();
      }
    }
    return { next_offset: next, truncated };
  });
}
