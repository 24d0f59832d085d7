import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * Retention and the blob registry.
 *
 * - `blobs`: one row per stored blob, written before the blob becomes visible; a blob is deleted only
 *   through its row, so no upload of the same content can lose it (see `storage/registered-blobs.ts`).
 * - `projects.retention`: the project's policy from `proctor.yaml` (JSON; null: the server defaults).
 * - `runs.keep`, and the marks of what retention did to a run: `deleting_at` (it is being deleted; the
 *   next pass finishes it), `logs_deleted_at`, `artifacts_deleted_at`.
 * - `attempts.log_sha256`: an ended attempt's log, moved from `log_chunks` to the blob store.
 */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const time = cap.timeType;
  await db.schema
    .createTable('blobs')
    .addColumn('sha256', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    // The last time someone stored this content: recent blobs are never deleted, however unreferenced.
    .addColumn('put_at', time, (c) => c.notNull())
    .execute();
  // Everything stored before the registry existed.
  await sql`
    insert into blobs (sha256, size, created_at, put_at)
    select sha256, max(size), min(created_at), max(created_at) from (
      select sha256, size, created_at from artifacts
      union all
      select sha256, size, created_at from app_builds where sha256 is not null and url is null
    ) stored group by sha256`.execute(db);

  await db.schema.alterTable('projects').addColumn('retention', 'text').execute();
  await db.schema
    .alterTable('runs')
    .addColumn('keep', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  for (const column of ['deleting_at', 'logs_deleted_at', 'artifacts_deleted_at']) {
    await db.schema.alterTable('runs').addColumn(column, time).execute();
  }
  await db.schema.alterTable('attempts').addColumn('log_sha256', 'varchar(64)').execute();
  await db.schema.alterTable('attempts').addColumn('log_size', 'bigint').execute();

  // A plan's runs newest first (its last N, its history window) without reading the others.
  await db.schema.createIndex('runs_plan_id').on('runs').columns(['plan_id', 'id']).execute();
  // The runs whose logs or artifacts are due, oldest first, without reading those already done.
  await db.schema
    .createIndex('runs_logs_due')
    .on('runs')
    .columns(['project_id', 'logs_deleted_at', 'finished_at'])
    .execute();
  await db.schema
    .createIndex('runs_artifacts_due')
    .on('runs')
    .columns(['project_id', 'artifacts_deleted_at', 'finished_at'])
    .execute();
  await db.schema.createIndex('runs_deleting').on('runs').columns(['deleting_at']).execute();
  // Whether anything still refers to a blob.
  await db.schema.createIndex('artifacts_sha256').on('artifacts').columns(['sha256']).execute();
  await db.schema.createIndex('app_builds_sha256').on('app_builds').columns(['sha256']).execute();
  await db.schema.createIndex('attempts_log_sha256').on('attempts').columns(['log_sha256']).execute();
  // Artifacts of a job, for deletion by run.
  await db.schema.createIndex('artifacts_job').on('artifacts').columns(['job_id']).execute();
  // The first chunk of each streamed log: one row per attempt whose log is still in the database.
  await db.schema
    .createIndex('log_chunks_first')
    .on('log_chunks')
    .column('id')
    .where(sql.ref('offset'), '=', 0)
    .execute();
}
