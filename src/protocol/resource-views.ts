import { Type, type Static, type TSchema } from 'typebox';
import { PlanLastRun } from './plan-history.js';

/**
 * Wire shapes of plans, environments, a run's jobs, API keys and registration tokens as the native
 * API answers them: the server's response schemas (and so the OpenAPI document), the CLI's and the
 * dashboard's types, in one place.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A plan (`GET /api/v1/plans/{plan}`): its definition as `proctor.yaml` would write it. */
export const PlanView = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  project_id: Type.Integer(),
  name: Type.String(),
  definition: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type PlanView = Static<typeof PlanView>;

// The list adds each plan's latest run (one query for all plans), so a plans page shows its last result.
export const PlanListItem = Type.Object({
  ...PlanView.properties,
  last_run: Type.Union([PlanLastRun, Type.Null()], {
    description: 'The latest run of the plan (reruns included); null before its first run.',
  }),
});
export type PlanListItem = Static<typeof PlanListItem>;

/** An environment (`GET /api/v1/environments/{environment}`). */
export const EnvironmentView = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  name: Type.String(),
  definition: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type EnvironmentView = Static<typeof EnvironmentView>;

/** One attempt of a job. */
export const AttemptView = Type.Object({
  attempt: Type.Integer(),
  agent_id: Type.Integer(),
  status: Type.String(),
  started_at: Type.String(),
  finished_at: Nullable(Type.String()),
  exit_code: Nullable(Type.Integer()),
  ended_by: Nullable(Type.String()),
  end_reason: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
export type AttemptView = Static<typeof AttemptView>;

/** A job of a run with its attempts (`GET /api/v1/runs/{run}/jobs`). */
export const JobView = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  environment: Type.String(),
  status: Type.String(),
  scenario_count: Type.Integer(),
  suite_run: Type.Boolean({
    description:
      'A discovery that runs the whole suite instead of listing it first (one environment, no selection, one slot): its scenarios and results come at its end.',
  }),
  attempts: Type.Array(AttemptView),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  ended_by: Nullable(
    Type.String({
      description: "Who ended the job without its tests' own verdict: user, fail_fast, timeout, agent_lost, system.",
    }),
  ),
  end_reason: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
export type JobView = Static<typeof JobView>;

/** An API key (`GET /api/v1/keys`), never its secret: only its hash is stored. */
export const KeyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The readable start of the key; the rest is only stored hashed.' }),
  user: Type.Object({ id: Type.Integer(), name: Type.String() }),
  authorities: Type.Array(Type.String()),
  project_ids: Nullable(Type.Array(Type.Integer())),
  created_at: Type.String(),
  last_used_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
  rate_limit_per_minute: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Null: the server default (PROCTOR_KEY_RATE_LIMIT); 0: unlimited.',
  }),
  max_active_runs: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Null: the server default (PROCTOR_KEY_MAX_ACTIVE_RUNS); 0: unlimited.',
  }),
});
export type KeyView = Static<typeof KeyView>;

/** A registration token (`GET /api/v1/agents/tokens`), never its secret. */
export const RegistrationTokenView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  created_at: Type.String(),
  expires_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
  project_ids: Type.Union([Type.Array(Type.Integer()), Type.Null()], {
    description: 'The projects whose jobs agents it registers may claim; null: every project.',
  }),
});
export type RegistrationTokenView = Static<typeof RegistrationTokenView>;
