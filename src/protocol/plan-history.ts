import { Type, type Static, type TSchema } from 'typebox';
import { Counts } from './api.js';
import { RUN_RESULTS, RUN_STATUSES, SCENARIO_RESULTS } from './statuses.js';

/** Wire shape of `GET /api/v1/plans/:plan/history`: how a plan's runs went over time. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Enum = <const T extends string[]>(values: readonly [...T]) => Type.Enum<T>(values);
const ScenarioRef = Type.Object({ id: Type.Integer(), key: Type.String() });

export const HistoryRun = Type.Object({
  id: Type.Integer(),
  status: Enum(RUN_STATUSES),
  result: Type.Union([Enum(RUN_RESULTS), Type.Null()]),
  counts: Counts,
  pass_rate: Nullable(Type.Number({ description: '(passed + flaky) / (total − skipped − not executed), 0..1; null when nothing ran.' })),
  duration_ms: Nullable(Type.Integer()),
  created_at: Type.String({ format: 'date-time' }),
  build: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  ref: Nullable(Type.String()),
});
export type HistoryRun = Static<typeof HistoryRun>;

export const StripCell = Type.Object({ run_id: Type.Integer(), status: Enum(SCENARIO_RESULTS) });
export type StripCell = Static<typeof StripCell>;

export const SlowScenario = Type.Object({
  scenario: ScenarioRef,
  environment: Type.String(),
  avg_ms: Type.Integer(),
  max_ms: Type.Integer(),
  samples: Type.Integer(),
});
export type SlowScenario = Static<typeof SlowScenario>;

export const FLAKY_REASONS = ['passed_on_retry', 'changed_without_code_change'] as const;
export type FlakyReason = (typeof FLAKY_REASONS)[number];

export const FlakyScenario = Type.Object({
  scenario: ScenarioRef,
  environment: Type.String(),
  reasons: Type.Array(Enum(FLAKY_REASONS)),
  flips: Type.Integer({ description: 'Changes between passed and failed from one run to the next with the same code (same git ref, or none known).' }),
  retried_passes: Type.Integer({ description: 'Runs where it passed only on a retry.' }),
  strip: Type.Array(StripCell, { description: 'Its results in the window, oldest first.' }),
});
export type FlakyScenario = Static<typeof FlakyScenario>;

export const PlanHistory = Type.Object({
  plan: Type.Object({ id: Type.Integer(), name: Type.String() }),
  runs: Type.Array(HistoryRun, { description: 'The last runs, oldest first.' }),
  slowest: Type.Array(SlowScenario),
  flaky: Type.Array(FlakyScenario),
});
export type PlanHistory = Static<typeof PlanHistory>;
