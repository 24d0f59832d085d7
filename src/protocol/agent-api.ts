import { Type, type Static, type TSchema } from 'typebox';

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
  /** The run's project (missing from an older server). */
  project_id: Type.Optional(Type.Integer()),
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
  /**
   * A discovery may run the whole suite instead (queue/suite-run.ts): the run has one environment,
   * no selection and one slot. An agent whose adapter can runs every test and completes with the
   * scenarios it ran (`scenarios`) and their results (`results`); else it discovers. Missing: discover.
   */
  run_suite: Type.Optional(Type.Boolean()),
  app_build: Type.Optional(Type.Union([AppBuildRef, Type.Null()])),
  /**
   * CIDR ranges the server's administrator lets outbound calls reach although private
   * (PROCTOR_OUTBOUND_ALLOW_PRIVATE); the agent applies them to app build downloads and git
   * remotes. Missing (an older server): nothing private is allowed.
   */
  outbound_allow: Type.Optional(Type.Array(Type.String())),
});
export type ClaimedJob = Static<typeof ClaimedJob>;

export const ClaimResponse = Type.Object({ jobs: Type.Array(ClaimedJob) });
export type ClaimResponse = Static<typeof ClaimResponse>;

export const HeartbeatRequest = Type.Object(
  {
    jobs: Type.Array(Type.Object({ job_id: Type.Integer(), lease_token: Type.String({ maxLength: 100 }) }), {
      maxItems: 1024,
    }),
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

/**
 * How much of each text (characters) and list (items) an agent reports is kept. The agent cuts
 * what it sends to these limits, and the server cuts a longer value from an older or foreign agent
 * the same way instead of refusing the completion (`domain/cap-completion.ts`): text keeps its end
 * behind a marker (`…[N characters truncated]…`), lists their first items. The schemas accept up
 * to `AGENT_TEXT_CEILING`, bounded in turn by the completion's body limit (64 MiB).
 */
export const AGENT_REPORT_LIMITS = {
  /** A job's error. */
  error: 70_000,
  /** A job's captured output, when it streamed no log. */
  output: 2_100_000,
  /** A test's message, stack, stdout, stderr. */
  testText: 70_000,
  key: 4000,
  file: 2000,
  /** Each part of a scenario's path (describe blocks, title). */
  pathPart: 2000,
  pathParts: 50,
  tag: 200,
  tags: 50,
  artifacts: 100,
  artifactPath: 4000,
  artifactName: 500,
  contentType: 200,
} as const;

/** Longest text, and list, a schema of an agent report accepts before the server cuts it. */
export const AGENT_TEXT_CEILING = 64 * 1024 * 1024;
const AGENT_LIST_CEILING = 100_000;

/** A text the server keeps up to `cap` characters (see `AGENT_REPORT_LIMITS`). */
const Capped = (cap: number) =>
  Type.String({
    maxLength: AGENT_TEXT_CEILING,
    description: `Kept up to ${cap} characters: a longer text keeps its end, behind a marker.`,
  });
const CappedList = <T extends TSchema>(items: T, cap: number) =>
  Type.Array(items, { maxItems: AGENT_LIST_CEILING, description: `The first ${cap} are kept.` });

const L = AGENT_REPORT_LIMITS;

export const TestReportSchema = Type.Object({
  key: Capped(L.key),
  file: Capped(L.file),
  path: CappedList(Capped(L.pathPart), L.pathParts),
  outcome: Type.Union([
    Type.Literal('passed'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
    Type.Literal('errored'),
  ]),
  durationMs: Type.Number({ minimum: 0 }),
  retries: Type.Optional(Type.Integer({ minimum: 0 })),
  message: Type.Optional(Capped(L.testText)),
  stack: Type.Optional(Capped(L.testText)),
  stdout: Type.Optional(Capped(L.testText)),
  stderr: Type.Optional(Capped(L.testText)),
  // Listed by the adapters; the upload of the files themselves is the agent's business.
  artifacts: Type.Optional(
    CappedList(
      Type.Object({
        path: Capped(L.artifactPath),
        name: Capped(L.artifactName),
        contentType: Type.Optional(Capped(L.contentType)),
      }),
      L.artifacts,
    ),
  ),
});

export const DiscoveredScenarioSchema = Type.Object({
  key: Capped(L.key),
  file: Capped(L.file),
  path: CappedList(Capped(L.pathPart), L.pathParts),
  tags: CappedList(Capped(L.tag), L.tags),
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
export type ErrorReason = (typeof ERROR_REASONS)[number];

/**
 * Reasons that say the plan or the agent's setup is wrong, not the tests or the system: a run
 * aborted for one of them is a configuration mistake to fix (`proctor run --wait` exits 2).
 */
export const CONFIGURATION_REASONS = [
  'bad_options',
  'no_tests',
  'framework_missing',
  'spawn_failed',
] as const satisfies readonly (typeof ERROR_REASONS)[number][];

export const CompleteRequest = Type.Object(
  {
    lease_token: Type.String({ maxLength: 100 }),
    outcome: Type.Union([Type.Literal('completed'), Type.Literal('errored'), Type.Literal('cancelled')]),
    reason: Type.Optional(Type.Enum([...ERROR_REASONS])),
    retryable: Type.Optional(Type.Boolean()),
    error: Type.Optional(Capped(L.error)),
    exit_code: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    duration_ms: Type.Optional(Type.Number({ minimum: 0 })),
    /** Queue mode: this batch started the slot's worker, so its wall time holds a start paid once per slot. */
    worker_started: Type.Optional(Type.Boolean()),
    output: Type.Optional(Capped(L.output)),
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
                  Type.Integer({
                    minimum: 1,
                    description:
                      "The job the slot runs next (one of this agent's); default: the first job this call claims.",
                  }),
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
    lease_token: Type.String({ maxLength: 100 }),
    offset: Type.Integer({ minimum: 0, description: "Characters of this attempt's log the server already has." }),
    data: Type.String({ maxLength: 256 * 1024 }),
  },
  { additionalProperties: false },
);
export type LogChunkRequest = Static<typeof LogChunkRequest>;

export const LogChunkResponse = Type.Object({ next_offset: Type.Integer(), truncated: Type.Boolean() });
export type LogChunkResponse = Static<typeof LogChunkResponse>;
