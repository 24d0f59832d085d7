import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The statements that delete what retention removes, each at most `batch` rows, so no statement
 * holds SQLite's writer lock (or PostgreSQL's row locks) for long. Each returns the rows it deleted
 * and the blobs they referred to; the caller repeats a step until it deletes less than a batch.
 * Every statement is idempotent: after a crash the same step deletes what is left.
 */
export interface Deleted {
  rows: number;
  /** Checksums of blobs the deleted rows referred to: release them once the rows are gone. */
  blobs: string[];
}

const jobsOf = (db: Kysely<Database>, runId: number) => db.selectFrom('jobs').select('id').where('run_id', '=', runId);

/** Marks runs as being deleted (not kept ones: keep wins a race); the ids marked. */
export async function markDeleting(db: Kysely<Database>, runIds: number[], now: number): Promise<number[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .updateTable('runs')
    .set({ deleting_at: now })
    .where('id', 'in', runIds)
    .where('keep', '=', 0)
    .where('deleting_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Runs a crash left half-deleted, oldest first: the next pass finishes them before anything else. */
export async function runsBeingDeleted(db: Kysely<Database>, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('runs')
    .select('id')
    .where('deleting_at', 'is not', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** One batch of a run's artifacts. */
export async function deleteArtifacts(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const rows = await db
    .deleteFrom('artifacts')
    .where('id', 'in', (eb) => eb.selectFrom('artifacts').select('id').where('run_id', '=', runId).limit(batch))
    .returning('sha256')
    .execute();
  return { rows: rows.length, blobs: rows.map((r) => r.sha256) };
}

/** One batch of the streamed log chunks of a run's jobs. */
export async function deleteLogChunks(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const r = await db
    .deleteFrom('log_chunks')
    .where('id', 'in', (eb) =>
      eb.selectFrom('log_chunks').select('id').where('job_id', 'in', jobsOf(db, runId)).limit(batch),
    )
    .executeTakeFirst();
  return { rows: Number(r.numDeletedRows), blobs: [] };
}

/** Forgets one batch of the ended logs (moved to the blob store) and captured output of a run's attempts. */
export async function forgetAttemptLogs(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const rows = await db
    .selectFrom('attempts')
    .select(['id', 'log_sha256'])
    .where('job_id', 'in', jobsOf(db, runId))
    .where((eb) => eb.or([eb('log_sha256', 'is not', null), eb('output', 'is not', null)]))
    .limit(batch)
    .execute();
  if (rows.length === 0) return { rows: 0, blobs: [] };
  await db
    .updateTable('attempts')
    .set({ log_sha256: null, log_size: null, output: null })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return { rows: rows.length, blobs: rows.flatMap((r) => (r.log_sha256 ? [r.log_sha256] : [])) };
}

/** One batch of a run's results. */
export async function deleteResults(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const r = await db
    .deleteFrom('results')
    .where('id', 'in', (eb) => eb.selectFrom('results').select('id').where('run_id', '=', runId).limit(batch))
    .executeTakeFirst();
  return { rows: Number(r.numDeletedRows), blobs: [] };
}

/** One batch of a run's attempts (their logs went first). */
export async function deleteAttempts(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const rows = await db
    .deleteFrom('attempts')
    .where('id', 'in', (eb) =>
      eb.selectFrom('attempts').select('id').where('job_id', 'in', jobsOf(db, runId)).limit(batch),
    )
    .returning('log_sha256')
    .execute();
  return { rows: rows.length, blobs: rows.flatMap((r) => (r.log_sha256 ? [r.log_sha256] : [])) };
}

/** One batch of a run's webhook deliveries, then of its events. */
export async function deleteWebhookHistory(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const d = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) =>
      eb.selectFrom('webhook_deliveries').select('id').where('run_id', '=', runId).limit(batch),
    )
    .executeTakeFirst();
  if (Number(d.numDeletedRows) > 0) return { rows: Number(d.numDeletedRows), blobs: [] };
  const e = await db
    .deleteFrom('webhook_events')
    .where('id', 'in', (eb) => eb.selectFrom('webhook_events').select('id').where('run_id', '=', runId).limit(batch))
    .executeTakeFirst();
  return { rows: Number(e.numDeletedRows), blobs: [] };
}

/** One batch of a run's jobs (their attempts went first). */
export async function deleteJobs(db: Kysely<Database>, runId: number, batch: number): Promise<Deleted> {
  const r = await db
    .deleteFrom('jobs')
    .where('id', 'in', (eb) => eb.selectFrom('jobs').select('id').where('run_id', '=', runId).limit(batch))
    .executeTakeFirst();
  return { rows: Number(r.numDeletedRows), blobs: [] };
}

/** The run's own row, once nothing refers to it; guarded by its mark, so a kept run never goes. */
export async function deleteRunRow(db: Kysely<Database>, runId: number): Promise<Deleted> {
  const r = await db.deleteFrom('runs').where('id', '=', runId).where('deleting_at', 'is not', null).executeTakeFirst();
  return { rows: Number(r.numDeletedRows), blobs: [] };
}

/** Marks that retention removed a run's logs or artifacts, so later passes skip it. */
export async function markDone(
  db: Kysely<Database>,
  runId: number,
  what: 'logs' | 'artifacts',
  now: number,
): Promise<void> {
  await db
    .updateTable('runs')
    .set(what === 'logs' ? { logs_deleted_at: now } : { artifacts_deleted_at: now })
    .where('id', '=', runId)
    .execute();
}

/** Deletes an app build's row (not one a plan's mobile app setting uses: its foreign key refuses). */
export async function deleteAppBuild(db: Kysely<Database>, id: number): Promise<boolean> {
  const r = await db
    .deleteFrom('app_builds')
    .where('id', '=', id)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('plan_mobile_apps')
            .select('app_build_id')
            .whereRef('plan_mobile_apps.app_build_id', '=', 'app_builds.id'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
