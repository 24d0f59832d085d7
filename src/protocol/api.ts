import { Type, type Static, type TSchema } from 'typebox';
import { AUTHORITIES, RUN_RESULTS, RUN_STATUSES, SCENARIO_RESULTS } from './statuses.js';

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
  }),
  unavailable_environments: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Time,
  finished_at: Time,
  duration_ms: Nullable(Type.Integer()),
  ended_by: Nullable(Type.String()),
  end_reason: Nullable(Type.String()),
});
export type Run = Static<typeof Run>;

export const ResultRow = Type.Object({
  id: Type.Integer(),
  scenario: Type.Object({ id: Type.Integer(), key: Type.String(), file: Type.String(), path: Type.Array(Type.String()) }),
  environment: Type.String(),
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
});
export type ResultRow = Static<typeof ResultRow>;

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` to get the next page; null on the last page.' })),
  });

export const TriggerRunBody = Type.Object(
  {
    environments: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, description: 'Environment names; default: all of the plan.' })),
    scenarios: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4000 }), { maxItems: 10_000, description: 'Scenario keys or files; default: the plan\'s selection.' })),
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
  },
  { additionalProperties: false },
);
export type TriggerRunBody = Static<typeof TriggerRunBody>;

export const Me = Type.Object({
  user: Type.Object({ id: Type.Integer(), name: Type.String() }),
  key: Type.Object({ id: Type.Integer(), name: Type.String(), prefix: Type.String() }),
  authorities: Type.Array(Enum(AUTHORITIES)),
  projects: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
});
