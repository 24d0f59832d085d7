import type { Kysely, Selectable } from 'kysely';
import type { ErrorReason } from '../protocol/agent-api.js';
import type { EndedBy, JobStatus } from '../protocol/statuses.js';
import { prepared } from '../storage/prepared.js';
import type { Database, JobTable } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { recordEvent } from './record-event.js';
import { settleUnreported } from './record-results.js';

/** How a job ended: its agent reported it, its agent's lease ran out, or it ran past its timeout. */
export type JobEnding =
  | {
      by: 'agent';
      outcome: 'completed' | 'errored' | 'cancelled';
      reason?: ErrorReason | undefined;
      error?: string | undefined;
    }
  | { by: 'lease'; runActive: boolean; attempts: number }
  | { by: 'timeout'; timeoutMs: number };

/**
 * The one rule for what a job's row says about its end: its status, who ended it (`ended_by`,
 * null when its tests ran to their own verdict), why (`end_reason`, a code) and the error shown.
 */
export function jobEnd(e: JobEnding): {
  status: 'completed' | 'errored' | 'cancelled';
  endedBy: EndedBy | null;
  endReason: string | null;
  error: string | null;
} {
  switch (e.by) {
    case 'agent':
      if (e.outcome === 'completed')
        return { status: 'completed', endedBy: null, endReason: null, error: e.error ?? null };
      return {
        status: e.outcome,
        endedBy: e.reason === 'timeout' ? 'timeout' : e.outcome === 'cancelled' ? 'user' : 'system',
        endReason: e.reason ?? null,
        error: e.error ?? null,
      };
    case 'lease':
      // The run ended meanwhile (cancelled, fail-fast): the job would not have run again anyway.
      return {
        status: e.runActive ? 'errored' : 'cancelled',
        endedBy: 'agent_lost',
        endReason: 'lease_expired',
        error: `agent lost ${e.attempts} time(s); attempts exhausted`,
      };
    case 'timeout':
      return {
        status: 'errored',
        endedBy: 'timeout',
        endReason: 'job_timeout',
        error: `job exceeded its timeout of ${Math.round(e.timeoutMs / 1000)}s`,
      };
  }
}

const endJobRow = prepared(
  (
    db,
    v: {
      id: number;
      status: JobStatus;
      now: number;
      endedBy: EndedBy | null;
      reason: string | null;
      error: string | null;
    },
  ) =>
    db
      .updateTable('jobs')
      .set({ status: v.status, finished_at: v.now, ended_by: v.endedBy, end_reason: v.reason, error: v.error })
      .where('id', '=', v.id)
      .where('status', '=', 'running'),
);

/**
 * Ends a running job: the scenarios it left without a verdict are settled (not executed, aborted or
 * stopped, by how it ended), its row says how it ended (`jobEnd`), and `job.finished` is recorded,
 * all in the caller's transaction. Returns false when the job was no longer running.
 */
export async function endJob(
  trx: Kysely<Database>,
  ctx: QueueContext,
  job: Selectable<JobTable>,
  ending: JobEnding,
): Promise<boolean> {
  const end = jobEnd(ending);
  await settleUnreported(trx, ctx, job, end.status, end.error);
  const changed = await endJobRow.affected(trx, ctx.cap, {
    id: job.id,
    status: end.status,
    now: ctx.clock(),
    endedBy: end.endedBy,
    reason: end.endReason,
    error: end.error,
  });
  if (changed === 0) return false;
  await recordEvent(trx, ctx, 'job.finished', job.run_id, job.id);
  return true;
}
