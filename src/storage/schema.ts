import type { Generated } from 'kysely';
import type {
  AgentStatus,
  AttemptStatus,
  EndedBy,
  JobKind,
  JobStatus,
  RerunType,
  RunResult,
  RunStatus,
  ScenarioResult,
  TriggerSource,
} from '../protocol/statuses.js';
import type { DeliveryStatus, WebhookEventType, WebhookFormat } from '../protocol/webhooks.js';

/**
 * Table types of Proctor's database. Status and kind columns are typed by the lists of
 * `protocol/statuses.ts`, so a query with a status that is not in its list does not compile. Times are milliseconds since the epoch (bigint on PostgreSQL,
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
  registration_tokens: RegistrationTokenTable;
  log_chunks: LogChunkTable;
  artifacts: ArtifactTable;
  webhook_events: WebhookEventTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  app_builds: AppBuildTable;
  plan_mobile_apps: PlanMobileAppTable;
  blobs: BlobTable;
}

export interface ProjectTable {
  id: Generated<number>;
  name: string;
  created_at: number;
  /** JSON of SigningSecrets for run callbacks; created at the first callback. */
  callback_secrets: string | null;
  /** JSON of the project's RetentionPolicy from `proctor.yaml`; null: the server defaults. */
  retention: string | null;
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
  /** Null: the server default (PROCTOR_KEY_RATE_LIMIT); 0: unlimited. */
  rate_limit_per_minute: number | null;
  /** Null: the server default (PROCTOR_KEY_MAX_ACTIVE_RUNS); 0: unlimited. */
  max_active_runs: number | null;
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
  status: RunStatus;
  result: RunResult | null;
  priority: number;
  /** JSON of the trigger: who, how, build, ref, parameters, callback URL, requested environments and scenarios. */
  trigger: string;
  build: string | null;
  branch: string | null;
  /** JSON snapshot of the plan and its environments at trigger time: a later apply never changes a run. */
  plan_snapshot: string;
  idempotency_key: string | null;
  idempotency_hash: string | null;
  /** How the run was triggered (TRIGGER_SOURCES). */
  source: Generated<TriggerSource>;
  /** Set while the run waits for an active run of its plan (concurrency policy `queue`). */
  waiting: Generated<number>;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  deadline_at: number | null;
  ended_by: EndedBy | null;
  end_reason: string | null;
  /** The API key that triggered the run, for its active-run limit. */
  api_key_id: number | null;
  /** The run this one reruns (a subset of its scenario × environment pairs). */
  rerun_parent_id: number | null;
  /** How the rerun chose its pairs: RERUN_TYPES. */
  rerun_type: RerunType | null;
  /** 1: retention never deletes the run, its logs or its artifacts. */
  keep: Generated<number>;
  /** Set when retention began deleting the run; the next pass finishes what a crash interrupted. */
  deleting_at: number | null;
  /** When retention deleted the run's logs, and its artifacts. */
  logs_deleted_at: number | null;
  artifacts_deleted_at: number | null;
}

export interface JobTable {
  id: Generated<number>;
  run_id: number;
  kind: JobKind;
  environment_id: number;
  environment_name: string;
  status: JobStatus;
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
  /** 1 while the job waits on its agent behind the slot's current job (queue mode); 0 once it has the slot. */
  lookahead: Generated<number>;
  /** 1 while (and after) the discovery's current attempt was offered to run the whole suite (queue/suite-run.ts). */
  suite_run: Generated<number>;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  ended_by: EndedBy | null;
  end_reason: string | null;
  error: string | null;
  /** Test files the job holds (execute jobs queued since migration 0013; null before). */
  files: number | null;
  /** What the job was expected to cost when queued: its fixed cost, its files' and its scenarios' expected durations. */
  expected_ms: number | null;
}

export interface AttemptTable {
  id: Generated<number>;
  job_id: number;
  attempt: number;
  agent_id: number;
  lease_token: string;
  status: AttemptStatus;
  started_at: number;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  ended_by: EndedBy | null;
  end_reason: string | null;
  /** Captured output of the framework process, capped. */
  output: string | null;
  /** Bytes of log accepted through the streaming log endpoint. */
  log_bytes: Generated<number>;
  log_truncated: Generated<number>;
  /** The ended attempt's log, moved from log_chunks to the blob store (UTF-8), and its size in bytes. */
  log_sha256: string | null;
  log_size: number | null;
  /** Wall time as the agent measured it, from the slot's turn to the end (null: an agent that did not say). */
  duration_ms: number | null;
  /** Sum of the durations the attempt's tests reported (execute attempts); `duration_ms` minus this is what the job cost beyond its tests. */
  work_ms: number | null;
}

export interface ResultTable {
  id: Generated<number>;
  run_id: number;
  scenario_id: number;
  environment_id: number;
  environment_name: string;
  job_id: number | null;
  status: ScenarioResult;
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
  status: AgentStatus;
  created_at: number;
  last_seen_at: number | null;
  registration_token_id: number | null;
  /** JSON array of the project ids whose jobs the agent may claim, or null for every project. */
  project_ids: string | null;
}

export interface RegistrationTokenTable {
  id: Generated<number>;
  name: string;
  prefix: string;
  secret_hash: string;
  created_by: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** JSON array of project ids the agents it registers are limited to, or null for every project. */
  project_ids: string | null;
}

export interface LogChunkTable {
  id: Generated<number>;
  job_id: number;
  attempt: number;
  offset: number;
  length: number;
  data: string;
  created_at: number;
}

export interface ArtifactTable {
  id: Generated<number>;
  run_id: number;
  job_id: number;
  attempt: number;
  scenario_id: number | null;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: number;
}

/** The outbox: one row per run state change, written in the transaction of the change. */
export interface WebhookEventTable {
  id: Generated<number>;
  uuid: string;
  run_id: number;
  job_id: number | null;
  type: WebhookEventType;
  created_at: number;
  /** JSON of the standard WebhookPayload as it was when the event happened; null for events from before migration 0010. */
  body: string | null;
  /** Set once the event's deliveries exist. */
  fanned_out: Generated<number>;
}

export interface WebhookEndpointTable {
  id: Generated<number>;
  project_id: number;
  url: string;
  format: WebhookFormat;
  /** JSON array of event types. */
  events: string;
  description: string | null;
  /** JSON of SigningSecrets. */
  secrets: string;
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
}

/** One event for one receiver (a run's callback URL or an endpoint), with its retry state. */
export interface WebhookDeliveryTable {
  id: Generated<number>;
  event_id: number;
  run_id: number;
  project_id: number;
  target: string;
  endpoint_id: number | null;
  url: string;
  format: WebhookFormat;
  body: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  lease_expires_at: number | null;
  response_status: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** An app build (APK, IPA, zip) runs hand to their tests: a stored blob, or a URL agents fetch. */
export interface AppBuildTable {
  id: Generated<number>;
  uuid: string;
  project_id: number;
  name: string;
  version: string;
  /** The name the file gets on the agent (`shop-1.2.apk`). */
  file_name: string;
  /** Hex SHA-256 of the content: the blob's name for uploads; optional for URL builds. */
  sha256: string | null;
  size: number | null;
  /** Set for URL builds, which agents download themselves. */
  url: string | null;
  created_by: number;
  created_at: number;
}

/** The app build a plan runs with per mobile OS when Testinium's API triggers it. */
export interface PlanMobileAppTable {
  plan_id: number;
  /** `android` or `ios`. */
  os: string;
  app_build_id: number;
  updated_at: number;
}

/** A stored blob; written before the blob becomes visible, deleted after it is gone. */
export interface BlobTable {
  sha256: string;
  size: number;
  created_at: number;
  /** The last time this content was stored; recent blobs are not deleted, referenced or not. */
  put_at: number;
}
