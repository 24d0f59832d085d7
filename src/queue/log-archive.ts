import { LOG_CAP_CHARS } from './append-log.js';
import { effectivePolicy, type RetentionPolicy } from '../domain/retention-policy.js';
import { deleteAttemptChunks, endedLogs, logChunkStream, recordArchivedLog } from '../storage/ended-logs.js';
import { listProjectRetention } from '../storage/project-retention.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import type { QueueContext } from './context.js';
import type { Pace } from './retention-steps.js';

/**
 * An attempt's log keeps at most LOG_CAP_CHARS characters as sent; each is at most 6 bytes stored
 * (NUL and a lone surrogate are kept as the escape `\u0000`, anything else is 3 bytes of UTF-8 at
 * most), and the markers of what was dropped are a few more.
 */
const MAX_LOG_BYTES = 6 * LOG_CAP_CHARS + 64 * 1024;
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Moves the logs of ended attempts from `log_chunks` to the blob store: the database keeps what
 * changes (live logs), the blob store what does not (an ended log is read, rarely, whole or from
 * an offset). The blob is written first, then recorded on the attempt, then the chunks are deleted
 * in batches; a crash anywhere leaves either the chunks (archived again: the same content, the same
 * blob) or an orphan blob the retention pass removes. Logs whose retention is already over are not
 * moved: the retention pass deletes them where they are.
 */
export async function archiveEndedLogs(
  ctx: QueueContext,
  blobs: RegisteredBlobs,
  opts: Pace & { defaults: RetentionPolicy; limit?: number },
): Promise<number> {
  const limit = opts.limit ?? 50;
  let policies: Map<number, RetentionPolicy> | null = null;
  let moved = 0;
  for (let after = 0; moved < limit; ) {
    const logs = await endedLogs(ctx.db, after, limit);
    if (logs.length === 0) break;
    policies ??= new Map(
      (await listProjectRetention(ctx.db)).map((p) => [p.projectId, effectivePolicy(p.settings, opts.defaults)]),
    );
    for (const log of logs) {
      after = log.chunkId;
      const days = (policies.get(log.projectId) ?? opts.defaults).logDays;
      if (!log.archived && days !== null && log.runFinishedAt !== null && log.runFinishedAt < ctx.clock() - days * DAY)
        continue;
      if (!log.archived) {
        const { sha256, size } = await blobs.put(logChunkStream(ctx.db, log.jobId, log.attempt), {
          maxBytes: MAX_LOG_BYTES,
        });
        await recordArchivedLog(ctx.db, log.attemptId, sha256, size);
        moved++;
      }
      while ((await deleteAttemptChunks(ctx.db, log.jobId, log.attempt, opts.batch)) === opts.batch)
        if (opts.pauseMs > 0) await sleep(opts.pauseMs);
    }
    if (logs.length < limit) break;
  }
  return moved;
}
