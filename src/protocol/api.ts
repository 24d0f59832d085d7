import { Type, type Static, type TSchema } from 'typebox';
import { AUTHORITIES, RERUN_TYPES, RUN_RESULTS, RUN_STATUSES, SCENARIO_RESULTS } from './statuses.js';

/** Wire shapes of the native API under `/api/v1`, shared by the server, the CLI and the dashboard. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Time = Nullable(Type.String({ format: 'date-time' }));
const Enum = <const T extends string[]>(values: readonly [...T]) => Type.Enum<T>(values);

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

export const Counts = Type.Object({
  total: Type.Integer(),
  passed: Type.Integer(),
  failed: Type.Integer(),
  flaky: Type.Integer(),
  skipped: Type.Integer(),
  aborted: Type.Integer(),
  stopped: Type.Integer(),
  not_executed: Type.Integer(),
  queued: Type.Integer(),
  running: Type.Integer(),
});

export const Run = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  project: Type.Object({ id: Type.Integer(), name: Type.String() }),
  plan: Type.Object({ id: Type.Integer(), name: Type.String() }),
  status: Enum(RUN_STATUSES),
  result: Nullable(Enum(RUN_RESULTS)),
  priority: Type.Integer(),
  counts: Counts,
  trigger: Type.Object({
    source: Type.String(),
    user_id: Type.Integer(),
    build: Nullable(Type.String()),
    ref: Nullable(Type.String()),
    branch: Nullable(Type.String()),
    parameters: Type.Record(Type.String(), Type.String()),
    callback_url: Nullable(Type.String()),
    environments: Type.Array(Type.String()),
    scenarios: Type.Array(Type.String()),
    idempotency_key: Nullable(Type.String()),
    app_builds: Type.Record(Type.String(), Type.Integer(), { description: 'App build id per environment.' }),
    profile: Nullable(Type.String({ description: 'The plan profile the trigger chose.' })),
  }),
  unavailable_environments: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Time,
  finished_at: Time,
  duration_ms: Nullable(Type.Integer()),
  ended_by: Nullable(Type.String()),
  end_reason: Nullable(Type.String()),
  rerun_parent_id: Nullable(Type.Integer({ description: 'The run this one reruns.' })),
  rerun_type: Nullable(Enum(RERUN_TYPES)),
  keep: Type.Boolean({
    description:
      'Kept: retention never deletes the run, its logs or its artifacts (PUT/DELETE /api/v1/runs/{run}/keep).',
  }),
});
export type Run = Static<typeof Run>;

export const ResultRow = Type.Object({
  id: Type.Integer(),
  scenario: Type.Object({
    id: Type.Integer(),
    key: Type.String(),
    file: Type.String(),
    path: Type.Array(Type.String()),
  }),
  environment: Type.String(),
  environment_id: Type.Integer({
    description: "The id of the environment (what the Testinium gateway's reruns name).",
  }),
  status: Enum(SCENARIO_RESULTS),
  attempts: Type.Integer(),
  duration_ms: Nullable(Type.Integer()),
  message: Nullable(Type.String()),
  stack: Nullable(Type.String()),
  stdout: Nullable(Type.String()),
  stderr: Nullable(Type.String()),
  job_id: Nullable(Type.Integer()),
  started_at: Time,
  finished_at: Time,
  /** Files the framework wrote for this scenario in this environment (screenshots, videos, traces). */
  artifacts: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      content_type: Type.String(),
      size: Type.Integer(),
      url: Type.String(),
    }),
  ),
});
export type ResultRow = Static<typeof ResultRow>;

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next_cursor: Nullable(
      Type.String({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
    ),
  });

export const TriggerRunBody = Type.Object(
  {
    environments: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 100,
        description: 'Environment names; default: all of the plan.',
      }),
    ),
    scenarios: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4000 }), {
        maxItems: 10_000,
        description: "Scenario keys or files; default: the plan's selection.",
      }),
    ),
    ref: Type.Optional(Type.String({ maxLength: 300, description: 'Git ref under test.' })),
    branch: Type.Optional(Type.String({ maxLength: 300 })),
    build: Type.Optional(Type.String({ maxLength: 200, description: 'Build number of the pipeline.' })),
    parameters: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), Type.String({ maxLength: 10_000 }), {
        maxProperties: 200,
        description: 'Handed to the tests as environment variables.',
      }),
    ),
    callback_url: Type.Optional(Type.String({ maxLength: 2000, format: 'uri' })),
    priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100 })),
    profile: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'A profile the plan declares (`fast`, `deep`): its overrides apply to this run.',
      }),
    ),
    app_builds: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Integer({ minimum: 1 }), {
        maxProperties: 100,
        description:
          'App build id (POST /api/v1/app-builds) per environment name; the tests get its path as PROCTOR_APP_PATH.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TriggerRunBody = Static<typeof TriggerRunBody>;

export const RerunBody = Type.Object(
  {
    failed: Type.Optional(Type.Literal(true, { description: 'Rerun every failed or aborted scenario of the run.' })),
    pairs: Type.Optional(
      Type.Array(
        Type.Object(
          {
            scenario: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 4000 })], {
              description: 'Scenario id or key.',
            }),
            environment: Type.String({ minLength: 1, maxLength: 100 }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 10_000, description: 'Exactly these scenario × environment pairs.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Either `failed: true` or `pairs`.' },
);
export type RerunBody = Static<typeof RerunBody>;

export const AppBuild = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  project_id: Type.Integer(),
  name: Type.String(),
  version: Type.String(),
  file_name: Type.String(),
  sha256: Nullable(Type.String()),
  size: Nullable(Type.Integer()),
  url: Nullable(Type.String()),
  created_by: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
});
export type AppBuild = Static<typeof AppBuild>;

export const Me = Type.Object({
  user: Type.Object({ id: Type.Integer(), name: Type.String() }),
  key: Type.Object({ id: Type.Integer(), name: Type.String(), prefix: Type.String() }),
  authorities: Type.Array(Enum(AUTHORITIES)),
  projects: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
});
