import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/** The first schema: projects, keys, plans, environments, scenarios, runs, jobs, attempts, results, agents. */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const id = (table: string) => db.schema.createTable(table).addColumn('id', cap.idType, idColumn(cap));
  const time = cap.timeType;

  await id('projects')
    .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await id('users')
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await id('api_keys')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('authorities', 'text', (c) => c.notNull())
    .addColumn('project_ids', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();

  await id('environments')
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('environments_project_name', ['project_id', 'name'])
    .execute();

  await id('plans')
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('plans_project_name', ['project_id', 'name'])
    .execute();

  await id('scenarios')
    .addColumn('plan_id', 'bigint', (c) => c.notNull().references('plans.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('scenarios_plan_key', ['plan_id', 'key'])
    .execute();

  await createRuns(db, cap);
  await createJobs(db, cap);

  await id('agents')
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('slots', 'integer', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time)
    .execute();
}

async function createRuns(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const time = cap.timeType;
  await db.schema
    .createTable('runs')
    .addColumn('id', cap.idType, idColumn(cap))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
    .addColumn('plan_id', 'bigint', (c) => c.notNull().references('plans.id'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('result', 'varchar(20)')
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('build', 'varchar(200)')
    .addColumn('branch', 'varchar(300)')
    .addColumn('plan_snapshot', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'varchar(200)')
    .addColumn('idempotency_hash', 'varchar(64)')
    .addColumn('waiting', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('started_at', time)
    .addColumn('finished_at', time)
    .addColumn('deadline_at', time)
    .addColumn('ended_by', 'varchar(20)')
    .addColumn('end_reason', 'varchar(100)')
    .addUniqueConstraint('runs_project_idempotency', ['project_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('runs_project_id').on('runs').columns(['project_id', 'id']).execute();
  await db.schema.createIndex('runs_plan_status').on('runs').columns(['plan_id', 'status']).execute();
  await db.schema.createIndex('runs_status_deadline').on('runs').columns(['status', 'deadline_at']).execute();
}

async function createJobs(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  const time = cap.timeType;
  const idCol = idColumn(cap);
  await db.schema
    .createTable('jobs')
    .addColumn('id', cap.idType, idCol)
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('runs.id'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('environment_id', 'bigint', (c) => c.notNull())
    .addColumn('environment_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('scenario_ids', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('run_created_at', time, (c) => c.notNull())
    .addColumn('max_parallel', 'integer', (c) => c.notNull())
    .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'bigint')
    .addColumn('lease_token', 'varchar(64)')
    .addColumn('lease_expires_at', time)
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('started_at', time)
    .addColumn('finished_at', time)
    .addColumn('ended_by', 'varchar(20)')
    .addColumn('end_reason', 'varchar(100)')
    .addColumn('error', 'text')
    .execute();
  // The claim query reads queued jobs in priority order; the reaper reads running jobs by lease expiry.
  await db.schema
    .createIndex('jobs_claim')
    .on('jobs')
    .columns(['status', 'priority desc', 'run_created_at', 'id'])
    .execute();
  await db.schema.createIndex('jobs_run').on('jobs').columns(['run_id', 'status']).execute();
  await db.schema.createIndex('jobs_lease').on('jobs').columns(['status', 'lease_expires_at']).execute();

  await db.schema
    .createTable('attempts')
    .addColumn('id', cap.idType, idCol)
    .addColumn('job_id', 'bigint', (c) => c.notNull().references('jobs.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'bigint', (c) => c.notNull())
    .addColumn('lease_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('started_at', time, (c) => c.notNull())
    .addColumn('finished_at', time)
    .addColumn('exit_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('ended_by', 'varchar(20)')
    .addColumn('end_reason', 'varchar(100)')
    .addColumn('output', 'text')
    .addUniqueConstraint('attempts_job_attempt', ['job_id', 'attempt'])
    .execute();

  await db.schema
    .createTable('results')
    .addColumn('id', cap.idType, idCol)
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('runs.id'))
    .addColumn('scenario_id', 'bigint', (c) => c.notNull().references('scenarios.id'))
    .addColumn('environment_id', 'bigint', (c) => c.notNull())
    .addColumn('environment_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('job_id', 'bigint')
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('message', 'text')
    .addColumn('stack', 'text')
    .addColumn('stdout', 'text')
    .addColumn('stderr', 'text')
    .addColumn('started_at', time)
    .addColumn('finished_at', time)
    .addUniqueConstraint('results_run_scenario_env', ['run_id', 'scenario_id', 'environment_id'])
    .execute();
  await db.schema.createIndex('results_run_status').on('results').columns(['run_id', 'status']).execute();
  await db.schema.createIndex('results_job').on('results').columns(['job_id']).execute();
}

function idColumn(cap: DialectCapabilities) {
  return (c: ColumnDefinitionBuilder) => (cap.idAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey());
}
