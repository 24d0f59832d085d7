import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * Outbound events (an outbox written in the transaction of each run state change), webhook
 * endpoints and their deliveries, per-project callback secrets, and per-key usage limits.
 */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (cap.idAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
  const time = cap.timeType;

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', cap.idType, id)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('runs.id'))
    .addColumn('job_id', 'bigint')
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('fanned_out', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('webhook_events_pending').on('webhook_events').columns(['fanned_out', 'id']).execute();
  await db.schema
    .createIndex('webhook_events_run')
    .on('webhook_events')
    .columns(['run_id', 'fanned_out', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', cap.idType, id)
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('format', 'varchar(20)', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'varchar(500)')
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('disabled_at', time)
    .addColumn('disabled_reason', 'varchar(200)')
    .execute();
  await db.schema.createIndex('webhook_endpoints_project').on('webhook_endpoints').columns(['project_id']).execute();

  await createDeliveries(db, cap);

  await db.schema.alterTable('projects').addColumn('callback_secrets', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('rate_limit_per_minute', 'integer').execute();
  await db.schema.alterTable('api_keys').addColumn('max_active_runs', 'integer').execute();
  await db.schema.alterTable('runs').addColumn('api_key_id', 'bigint').execute();
  await db.schema.createIndex('runs_api_key_status').on('runs').columns(['api_key_id', 'status']).execute();
}

async function createDeliveries(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const time = cap.timeType;
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', cap.idType, (c) => (cap.idAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('webhook_events.id'))
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('project_id', 'bigint', (c) => c.notNull())
    // `callback` or `endpoint:<id>`: deliveries of one run to one target go out in event order.
    .addColumn('target', 'varchar(40)', (c) => c.notNull())
    .addColumn('endpoint_id', 'bigint')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('format', 'varchar(20)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    .addColumn('first_attempt_at', time)
    .addColumn('last_attempt_at', time)
    .addColumn('lease_expires_at', time)
    .addColumn('response_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('finished_at', time)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_stream')
    .on('webhook_deliveries')
    .columns(['run_id', 'target', 'event_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'id'])
    .execute();
}
