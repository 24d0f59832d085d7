import { Type, type Static, type TSchema } from 'typebox';

/** Wire shape of `GET /api/v1/agents`: the agents a dashboard shows, with what each is doing. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const AgentJob = Type.Object({
  job_id: Type.Integer(),
  run_id: Type.Integer(),
  plan: Type.String(),
  kind: Type.String(),
  environment: Type.String(),
  started_at: Nullable(Type.String({ format: 'date-time' })),
  lookahead: Type.Boolean({
    description: "Queue mode: claimed to run next on a busy slot, waiting behind the slot's current job.",
  }),
  suite_run: Type.Boolean({
    description:
      'A discovery that runs the whole suite instead of listing it first (one environment, no selection, one slot): its scenarios and results come at its end.',
  }),
});
export type AgentJob = Static<typeof AgentJob>;

export const AgentView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  labels: Type.Array(Type.String()),
  project_ids: Nullable(
    Type.Array(Type.Integer(), {
      description: 'The projects whose jobs it claims, among those the key may see; null: every project.',
    }),
  ),
  status: Type.String({ description: 'online; offline (stopped cleanly); lost (stopped being seen)' }),
  live: Type.Boolean({ description: 'Online and seen within the liveness window: it can take jobs now.' }),
  slots: Type.Integer(),
  busy_slots: Type.Integer({
    description: "Running jobs leased to this agent, lookaheads not counted (they wait behind a slot's current job).",
  }),
  last_seen_at: Nullable(Type.String({ format: 'date-time' })),
  jobs: Type.Array(AgentJob, { description: "The agent's running jobs in projects the key may see." }),
});
export type AgentView = Static<typeof AgentView>;

export const AgentList = Type.Object({ items: Type.Array(AgentView) });
export type AgentList = Static<typeof AgentList>;
