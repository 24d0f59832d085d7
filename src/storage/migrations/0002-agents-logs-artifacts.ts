import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/** Registration tokens for agents, streamed job logs, artifacts, run sources, and the index duration history reads. */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (cap.idAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
  const time = cap.timeType;

  await db.schema
    .createTable('registration_tokens')
    .addColumn('id', cap.idType, id)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_by', 'bigint', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time)
    .addColumn('revoked_at', time)
    .execute();
  await db.schema.alterTable('agents').addColumn('registration_token_id', 'bigint').execute();

  // One row per accepted chunk; (job, attempt, offset) makes a resent chunk a conflict, not a copy.
  await db.schema
    .createTable('log_chunks')
    .addColumn('id', cap.idType, id)
    .addColumn('job_id', 'bigint', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('offset', 'bigint', (c) => c.notNull())
    .addColumn('length', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('log_chunks_job_attempt_offset', ['job_id', 'attempt', 'offset'])
    .execute();
  await db.schema
    .alterTable('attempts')
    .addColumn('log_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('attempts')
    .addColumn('log_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('id', cap.idType, id)
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('job_id', 'bigint', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('scenario_id', 'bigint')
    .addColumn('name', 'varchar(500)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(200)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('artifacts_job_attempt_name', ['job_id', 'attempt', 'name'])
    .execute();
  await db.schema.createIndex('artifacts_run').on('artifacts').columns(['run_id', 'scenario_id']).execute();

  await db.schema
    .createIndex('results_history')
    .on('results')
    .columns(['scenario_id', 'environment_id', 'id'])
    .execute();

  // How a run was triggered, as a column so the runs list filters on it with an index.
  await db.schema
    .alterTable('runs')
    .addColumn('source', 'varchar(40)', (c) => c.notNull().defaultTo('api'))
    .execute();
  await db.schema.createIndex('runs_project_source').on('runs').columns(['project_id', 'source', 'id']).execute();
}
