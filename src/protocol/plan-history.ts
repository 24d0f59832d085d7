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
  pass_rate: Nullable(
    Type.Number({ description: '(passed + flaky) / (total − skipped − not executed), 0..1; null when nothing ran.' }),
  ),
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

/**
 * `changed_without_code_change`: it changed between two runs that name the same git ref (or, without
 * refs, the same build). `changed_code_unknown`: it changed between two runs that carry no ref or build
 * to compare, so whether the code changed is not known.
 */
export const FLAKY_REASONS = ['passed_on_retry', 'changed_without_code_change', 'changed_code_unknown'] as const;
export type FlakyReason = (typeof FLAKY_REASONS)[number];

export const FlakyScenario = Type.Object({
  scenario: ScenarioRef,
  environment: Type.String(),
  reasons: Type.Array(Enum(FLAKY_REASONS)),
  flips: Type.Integer({
    description:
      'Changes between passed and failed from one run to the next, not across a known code change: the same code, or no ref or build to compare.',
  }),
  flips_same_code: Type.Integer({
    description:
      'Of `flips`, those between runs that name the same git ref (or, without refs, the same build): known to be without a code change.',
  }),
  retried_passes: Type.Integer({ description: 'Runs where it passed only on a retry.' }),
  strip: Type.Array(StripCell, { description: 'Its results in the window, oldest first.' }),
});
export type FlakyScenario = Static<typeof FlakyScenario>;

export const JobCost = Type.Object({
  environment: Type.String(),
  fixed_ms: Type.Integer({
    description: 'What a job costs however many files it holds: the framework start, collection, a browser launch.',
  }),
  per_file_ms: Type.Integer({
    description: 'What each test file adds beyond its tests’ durations: a process per file, per-file setup and hooks.',
  }),
  jobs: Type.Integer({ description: 'How many ended jobs it was learnt from.' }),
});
export type JobCost = Static<typeof JobCost>;

export const PlanHistory = Type.Object({
  plan: Type.Object({ id: Type.Integer(), name: Type.String() }),
  runs: Type.Array(HistoryRun, {
    description:
      "The plan's last runs that are not reruns, oldest first: what pass rate and duration count. A rerun runs a chosen subset again and would skew both.",
  }),
  reruns: Type.Integer({
    description:
      'Reruns made in the same window: left out of `runs`, but their results count for the slowest and flaky scenarios.',
  }),
  slowest: Type.Array(SlowScenario),
  flaky: Type.Array(FlakyScenario),
  job_costs: Type.Array(JobCost, {
    description:
      "What a job of this plan costs beyond its tests' reported durations, per environment, learnt from each job's wall time in the plan's last few finished runs (reruns included): what the next run's batching counts besides the durations. Empty before any job ended.",
  }),
});
export type PlanHistory = Static<typeof PlanHistory>;

/** A plan's latest run (of any kind), as the plans list shows it: `GET /api/v1/plans` items' `last_run`. */
export const PlanLastRun = Type.Object({
  id: Type.Integer(),
  status: Enum(RUN_STATUSES),
  result: Type.Union([Enum(RUN_RESULTS), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  finished_at: Nullable(Type.String({ format: 'date-time' })),
  rerun_parent_id: Nullable(Type.Integer({ description: 'Set when the last run is a rerun of that run.' })),
});
export type PlanLastRun = Static<typeof PlanLastRun>;
