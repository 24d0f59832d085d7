import { Type, type Static } from 'typebox';

/** Wire shapes of the agent protocol under `/api/agent/v1`, shared by the server and the agent. */

export const RegisterRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    labels: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
    slots: Type.Integer({ minimum: 1, maximum: 1024 }),
  },
  { additionalProperties: false },
);
export type RegisterRequest = Static<typeof RegisterRequest>;

export const RegisterResponse = Type.Object({
  agent_id: Type.Integer(),
  token: Type.String({ description: 'The agent credential; it can do nothing but agent calls.' }),
  heartbeat_ms: Type.Integer(),
  lease_ms: Type.Integer(),
});
export type RegisterResponse = Static<typeof RegisterResponse>;

export const ClaimRequest = Type.Object(
  {
    free_slots: Type.Integer({ minimum: 1, maximum: 1024 }),
    wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);
export type ClaimRequest = Static<typeof ClaimRequest>;

export const ScenarioRefSchema = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  file: Type.String(),
  path: Type.Array(Type.String()),
});

/** The app build a job hands its tests (`PROCTOR_APP_PATH`): a stored file, or a URL the agent fetches. */
export const AppBuildRef = Type.Object({
  id: Type.Integer(),
  /** The file name the build gets on the agent. */
  name: Type.String(),
  /** Checksum the agent verifies; null only for a URL build registered without one. */
  sha256: Type.Union([Type.String(), Type.Null()]),
  size: Type.Union([Type.Integer(), Type.Null()]),
  /** Null: download `GET /api/agent/v1/app-builds/{id}/content`; else fetch this URL. */
  url: Type.Union([Type.String(), Type.Null()]),
});
export type AppBuildRef = Static<typeof AppBuildRef>;

export const ClaimedJob = Type.Object({
  job_id: Type.Integer(),
  run_id: Type.Integer(),
  kind: Type.Union([Type.Literal('discover'), Type.Literal('execute')]),
  attempt: Type.Integer(),
  lease_token: Type.String(),
  lease_expires_at: Type.Integer(),
  timeout_ms: Type.Integer(),
  framework: Type.String(),
  workdir: Type.String(),
  repo: Type.Union([Type.Object({ url: Type.String(), ref: Type.String() }), Type.Null()]),
  options: Type.Record(Type.String(), Type.Unknown()),
  environment: Type.Object({
    name: Type.String(),
    variables: Type.Record(Type.String(), Type.String()),
    secrets: Type.Array(Type.String()),
  }),
  parameters: Type.Record(Type.String(), Type.String()),
  scenarios: Type.Array(ScenarioRefSchema),
  app_build: Type.Optional(Type.Union([AppBuildRef, Type.Null()])),
});
export type ClaimedJob = Static<typeof ClaimedJob>;

export const ClaimResponse = Type.Object({ jobs: Type.Array(ClaimedJob) });
export type ClaimResponse = Static<typeof ClaimResponse>;

export const HeartbeatRequest = Type.Object(
  {
    jobs: Type.Array(Type.Object({ job_id: Type.Integer(), lease_token: Type.String() }), { maxItems: 1024 }),
  },
  { additionalProperties: false },
);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object({
  /** Jobs the agent must stop: cancelled by a user, fail-fast, a run timeout. */
  cancel: Type.Array(Type.Integer()),
  /** Jobs whose lease this agent no longer holds: kill their processes, report nothing. */
  lost: Type.Array(Type.Integer()),
  lease_expires_at: Type.Integer(),
});
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;

const Capped = (max: number) => Type.Optional(Type.String({ maxLength: max }));

export const TestReportSchema = Type.Object({
  key: Type.String({ maxLength: 4000 }),
  file: Type.String({ maxLength: 2000 }),
  path: Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 50 }),
  outcome: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('errored')]),
  durationMs: Type.Number({ minimum: 0 }),
  retries: Type.Optional(Type.Integer({ minimum: 0 })),
  message: Capped(70_000),
  stack: Capped(70_000),
  stdout: Capped(70_000),
  stderr: Capped(70_000),
  // Listed by the adapters; the upload of the files themselves is the agent's business.
  artifacts: Type.Optional(
    Type.Array(
      Type.Object({
        path: Type.String({ maxLength: 4000 }),
        name: Type.String({ maxLength: 500 }),
        contentType: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      { maxItems: 100 },
    ),
  ),
});

export const DiscoveredScenarioSchema = Type.Object({
  key: Type.String({ maxLength: 4000 }),
  file: Type.String({ maxLength: 2000 }),
  path: Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 50 }),
  tags: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }),
});

export const ERROR_REASONS = [
  'timeout',
  'cancelled',
  'spawn_failed',
  'framework_missing',
  'no_tests',
  'report_missing',
  'report_malformed',
  'bad_options',
  'checkout_failed',
  'crashed',
] as const;

export const CompleteRequest = Type.Object(
  {
    lease_token: Type.String(),
    outcome: Type.Union([Type.Literal('completed'), Type.Literal('errored'), Type.Literal('cancelled')]),
    reason: Type.Optional(Type.Enum([...ERROR_REASONS])),
    retryable: Type.Optional(Type.Boolean()),
    error: Capped(70_000),
    exit_code: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    duration_ms: Type.Optional(Type.Number({ minimum: 0 })),
    output: Capped(2_100_000),
    results: Type.Optional(Type.Array(TestReportSchema, { maxItems: 100_000 })),
    scenarios: Type.Optional(Type.Array(DiscoveredScenarioSchema, { maxItems: 100_000 })),
    /**
     * Claim the next jobs in the same call (no wait): the slot this job frees, and any other. Saves
     * the agent a round trip per job; what is claimed comes back in `jobs`.
     */
    claim: Type.Optional(
      Type.Object(
        {
          free_slots: Type.Integer({ minimum: 0, maximum: 1024 }),
          /**
           * Queue mode: also claim the job the slot's worker takes after its next one, so that
           * the worker never waits for a round trip. Granted only for plans in queue mode and
           * while their run has plenty queued; it comes back in `lookahead`.
           */
          lookahead: Type.Optional(
            Type.Object(
              {
                after_job: Type.Optional(
                  Type.Integer({ minimum: 1, description: 'The job the slot runs next (one of this agent\'s); default: the first job this call claims.' }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false, description: 'Claim up to free_slots jobs once the completion is recorded.' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CompleteRequest = Static<typeof CompleteRequest>;

export const CompleteResponse = Type.Object({
  /** This attempt had been completed before: nothing was recorded again. */
  duplicate: Type.Boolean(),
  /** Jobs claimed with `claim`, as the claim call returns them; empty without it. */
  jobs: Type.Array(ClaimedJob),
  /** With `claim.lookahead`: the job to run on the same slot after `after_job` (at most one). */
  lookahead: Type.Optional(Type.Array(ClaimedJob, { maxItems: 1 })),
});
export type CompleteResponse = Static<typeof CompleteResponse>;

export const LogChunkRequest = Type.Object(
  {
    lease_token: Type.String(),
    offset: Type.Integer({ minimum: 0, description: 'Characters of this attempt\'s log the server already has.' }),
    data: Type.String({ maxLength: 256 * 1024 }),
  },
  { additionalProperties: false },
);
export type LogChunkRequest = Static<typeof LogChunkRequest>;

export const LogChunkResponse = Type.Object({ next_offset: Type.Integer(), truncated: Type.Boolean() });
export type LogChunkResponse = Static<typeof LogChunkResponse>;
