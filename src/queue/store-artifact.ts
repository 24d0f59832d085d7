import type { Readable } from 'node:stream';
import { AppError } from '../protocol/errors.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import { fromJson } from '../storage/json.js';
import type { QueueContext } from './context.js';

export interface ArtifactUpload {
  leaseToken: string;
  name: string;
  contentType: string;
  sha256: string;
  scenarioKey: string | null;
}

/**
 * Stores a file an attempt produced. Fenced by the agent and lease token (checked before and after the
 * upload streams in); the SHA-256 the agent announced must match what arrived; a re-upload of the
 * same name and content is acknowledged, a different content under the same name refused.
 */
export async function storeArtifact(
  ctx: QueueContext,
  blobs: Pick<RegisteredBlobs, 'put'>,
  agentId: number,
  jobId: number,
  up: ArtifactUpload,
  body: Readable,
  maxBytes: number,
) {
  const attemptOf = () =>
    ctx.db
      .selectFrom('attempts')
      .innerJoin('jobs', 'jobs.id', 'attempts.job_id')
      .select(['attempts.attempt', 'attempts.status', 'jobs.run_id', 'jobs.scenario_ids'])
      .where('attempts.job_id', '=', jobId)
      .where('attempts.lease_token', '=', up.leaseToken)
      .where('attempts.agent_id', '=', agentId)
      .executeTakeFirst();
  const before = await attemptOf();
  if (before?.status !== 'running')
    throw new AppError('LEASE_LOST', `job ${jobId}: this attempt no longer holds the job's lease`);
  const { sha256, size } = await blobs.put(body, { maxBytes, expectedSha256: up.sha256 });
  const after = await attemptOf();
  if (after?.status !== 'running')
    throw new AppError('LEASE_LOST', `job ${jobId}: the lease was lost during the upload`);
  const scenarioId =
    up.scenarioKey === null ? null : await scenarioOf(ctx, fromJson<number[]>(after.scenario_ids, []), up.scenarioKey);
  const existing = await ctx.db
    .selectFrom('artifacts')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('attempt', '=', after.attempt)
    .where('name', '=', up.name)
    .executeTakeFirst();
  if (existing) {
    if (existing.sha256 !== sha256)
      throw new AppError('CONFLICT', `artifact "${up.name}" of this attempt already exists with other content`);
    return existing;
  }
  return ctx.db
    .insertInto('artifacts')
    .values({
      run_id: after.run_id,
      job_id: jobId,
      attempt: after.attempt,
      scenario_id: scenarioId,
      name: up.name,
      content_type: up.contentType,
      size,
      sha256,
      created_at: ctx.clock(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function scenarioOf(ctx: QueueContext, scenarioIds: number[], key: string): Promise<number | null> {
  if (scenarioIds.length === 0) return null;
  const row = await ctx.db
    .selectFrom('scenarios')
    .select('id')
    .where('id', 'in', scenarioIds)
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.id ?? null;
}
