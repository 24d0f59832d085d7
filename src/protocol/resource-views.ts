import { Type, type Static, type TSchema } from 'typebox';
import { PlanLastRun } from './plan-history.js';

/**
 * Wire shapes of plans, environments and a run's jobs as the native API answers them: the server's
 * response schemas (and so the OpenAPI document), the CLI's and the dashboard's types, in one place.
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
