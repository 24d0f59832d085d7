import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { joinLogChunks } from '../domain/text-cap.js';
import type { Database } from './schema.js';

/** An ended attempt whose log is still in `log_chunks`. */
export interface EndedLog {
  /** The id of its first chunk: where the next page of `endedLogs` starts. */
  chunkId: number;
  attemptId: number;
  jobId: number;
  attempt: number;
  projectId: number;
  runFinishedAt: number | null;
  /** Already moved to the blob store: only the chunks are left to delete. */
  archived: boolean;
}

/**
 * Ended attempts whose streamed log is still in the database, oldest first. Read through the first
 * chunk of each log (`log_chunks_first`): one index entry per attempt, however long its log.
 */
export async function endedLogs(db: Kysely<Database>, afterChunkId: number, limit: number): Promise<EndedLog[]> {
  const rows = await db
    .selectFrom('log_chunks as c')
    .innerJoin('attempts as a', (j) => j.onRef('a.job_id', '=', 'c.job_id').onRef('a.attempt', '=', 'c.attempt'))
    .innerJoin('jobs as j', 'j.id', 'c.job_id')
    .innerJoin('runs as r', 'r.id', 'j.run_id')
    .select([
      'c.id as chunk_id',
      'a.id as attempt_id',
      'c.job_id',
      'c.attempt',
      'r.project_id',
      'r.finished_at',
      'a.log_sha256',
    ])
    .where('c.offset', '=', 0)
    .where('c.id', '>', afterChunkId)
    .where('a.status', '<>', 'running')
    .orderBy('c.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    chunkId: r.chunk_id,
    attemptId: r.attempt_id,
    jobId: r.job_id,
    attempt: r.attempt,
    projectId: r.project_id,
    runFinishedAt: r.finished_at,
    archived: r.log_sha256 !== null,
  }));
}

/**
 * The attempt's log as one stream of UTF-8, read a page of chunks at a time, with the marker of what
 * was dropped where chunks do not meet (as the live log shows it).
 */
export function logChunkStream(db: Kysely<Database>, jobId: number, attempt: number, pageSize = 100): Readable {
  async function* chunks() {
    let from = -1;
    let end = 0;
    for (;;) {
      const page = await db
        .selectFrom('log_chunks')
        .select(['offset', 'length', 'data'])
        .where('job_id', '=', jobId)
        .where('attempt', '=', attempt)
        .where('offset', '>', from)
        .orderBy('offset')
        .limit(pageSize)
        .execute();
      for (const c of page) {
        const text = joinLogChunks([c], end);
        end = Math.max(end, Number(c.offset) + Number(c.length));
        yield Buffer.from(text, 'utf8');
      }
      if (page.length < pageSize) return;
      from = Number(page[page.length - 1]!.offset);
    }
  }
  return Readable.from(chunks());
}

/** Records where the attempt's log now is; guarded, so two archivers record it once. */
export async function recordArchivedLog(
  db: Kysely<Database>,
  attemptId: number,
  sha256: string,
  size: number,
): Promise<void> {
  await db
    .updateTable('attempts')
    .set({ log_sha256: sha256, log_size: size })
    .where('id', '=', attemptId)
    .where('log_sha256', 'is', null)
    .execute();
}

/** Deletes one batch of an attempt's chunks; the rows deleted. */
export async function deleteAttemptChunks(
  db: Kysely<Database>,
  jobId: number,
  attempt: number,
  batch: number,
): Promise<number> {
  const r = await db
    .deleteFrom('log_chunks')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('log_chunks')
        .select('id')
        .where('job_id', '=', jobId)
        .where('attempt', '=', attempt)
        .orderBy('offset', 'desc')
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Where the attempt's ended log is in the blob store, if it was moved there. */
export async function archivedLogOf(db: Kysely<Database>, attemptId: number): Promise<string | null> {
  const row = await db.selectFrom('attempts').select('log_sha256').where('id', '=', attemptId).executeTakeFirst();
  return row?.log_sha256 ?? null;
}
