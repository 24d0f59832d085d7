import type { Generated } from 'kysely';

/**
 * Table types of Proctor's database. Times are milliseconds since the epoch (bigint on PostgreSQL,
 * integer on SQLite), booleans are 0/1, and structured values are JSON text, so one set of queries
 * serves both dialects.
 */
export interface Database {
  projects: ProjectTable;
  users: UserTable;
  api_keys: ApiKeyTable;
  environments: EnvironmentTable;
  plans: PlanTable;
  scenarios: ScenarioTable;
  runs: RunTable;
  jobs: JobTable;
  attempts: AttemptTable;
  results: ResultTable;
  agents: AgentTable;
}

export interface ProjectTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

export interface UserTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

export interface ApiKeyTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** The readable start of the key (`pk_ab12cd34`); the rest is only kept as a hash. */
  prefix: string;
  secret_hash: string;
  /** JSON array of authorities. */
  authorities: string;
  /** JSON array of project ids, or null for every project. */
  project_ids: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface EnvironmentTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  /** JSON of EnvironmentDefinition. */
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface PlanTable {
  id: Generated<number>;
  uuid: string;
  project_id: number;
  name: string;
  /** JSON of PlanDefinition. */
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface ScenarioTable {
  id: Generated<number>;
  plan_id: number;
  key: string;
  file: string;
  /** JSON array of suite titles and the test title. */
  path: string;
  /** JSON array. */
  tags: string;
  created_at: number;
}

export interface RunTable {
  id: Generated<number>;
  uuid: string;
  project_id: number;
  plan_id: number;
  status: string;
  result: string | null;
  priority: number;
  /** JSON of the trigger: who, how, build, ref, parameters, callback URL, requested environments and scenarios. */
  trigger: string;
  build: string | null;
  branch: string | null;
  /** JSON snapshot of the plan and its environments at trigger time: a later apply never changes a run. */
  plan_snapshot: string;
  idempotency_key: string | null;
  idempotency_hash: string | null;
  /** Set while the run waits for an active run of its plan (concurrency policy `queue`). */
  waiting: Generated<number>;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  deadline_at: number | null;
  ended_by: string | null;
  end_reason: string | null;
}

export interface JobTable {
  id: Generated<number>;
  run_id: number;
  kind: string;
  environment_id: number;
  environment_name: string;
  status: string;
  /** JSON array of scenario ids (empty for discovery). */
  scenario_ids: string;
  /** Copied from the run so the claim query orders without a join. */
  priority: number;
  run_created_at: number;
  max_parallel: number;
  timeout_ms: number;
  attempt: number;
  max_attempts: number;
  lease_owner: number | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  cancel_requested: Generated<number>;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  ended_by: string | null;
  end_reason: string | null;
  error: string | null;
}

export interface AttemptTable {
  id: Generated<number>;
  job_id: number;
  attempt: number;
  agent_id: number;
  lease_token: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  ended_by: string | null;
  end_reason: string | null;
  /** Captured output of the framework process, capped. */
  output: string | null;
}

export interface ResultTable {
  id: Generated<number>;
  run_id: number;
  scenario_id: number;
  environment_id: number;
  environment_name: string;
  job_id: number | null;
  status: string;
  attempts: number;
  failures: number;
  duration_ms: number | null;
  message: string | null;
  stack: string | null;
  stdout: string | null;
  stderr: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface AgentTable {
  id: Generated<number>;
  name: string;
  /** JSON array. */
  labels: string;
  slots: number;
  prefix: string;
  secret_hash: string;
  status: string;
  created_at: number;
  last_seen_at: number | null;
}
