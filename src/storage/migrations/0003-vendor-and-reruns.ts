import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/** App builds (uploaded files or URLs) and the link of a rerun to the run it reruns. */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (cap.idAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
  const time = cap.timeType;

  await db.schema
    .createTable('app_builds')
    .addColumn('id', cap.idType, id)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('version', 'varchar(100)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(200)', (c) => c.notNull())
    // A stored file has its checksum and size; a URL build has them only when the uploader said so.
    .addColumn('sha256', 'varchar(64)')
    .addColumn('size', 'bigint')
    .addColumn('url', 'text')
    .addColumn('created_by', 'bigint', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('app_builds_project_name')
    .on('app_builds')
    .columns(['project_id', 'name', 'id'])
    .execute();

  await db.schema.alterTable('runs').addColumn('rerun_parent_id', 'bigint').execute();
  await db.schema.alterTable('runs').addColumn('rerun_type', 'varchar(20)').execute();
  await db.schema.createIndex('runs_rerun_parent').on('runs').column('rerun_parent_id').execute();
}
