/**
 * Every status list of Proctor, each one `as const` array. Sets such as "terminal" or "active" are
 * derived here and nowhere else; queries and APIs import them instead of retyping status names.
 */

export const RUN_STATUSES = ['queued', 'running', 'completed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES = ['completed', 'cancelled'] as const satisfies readonly RunStatus[];
export const ACTIVE_RUN_STATUSES = RUN_STATUSES.filter(
  (s): s is Exclude<RunStatus, (typeof TERMINAL_RUN_STATUSES)[number]> =>
    !(TERMINAL_RUN_STATUSES as readonly string[]).includes(s),
);

export const RUN_RESULTS = ['passed', 'failed', 'aborted', 'stopped'] as const;
export type RunResult = (typeof RUN_RESULTS)[number];

export const JOB_STATUSES = ['queued', 'running', 'completed', 'errored', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_JOB_STATUSES = ['completed', 'errored', 'cancelled'] as const satisfies readonly JobStatus[];
export const ACTIVE_JOB_STATUSES = JOB_STATUSES.filter(
  (s) => !(TERMINAL_JOB_STATUSES as readonly string[]).includes(s),
) as Exclude<JobStatus, (typeof TERMINAL_JOB_STATUSES)[number]>[];

export const JOB_KINDS = ['discover', 'execute'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const ATTEMPT_STATUSES = ['running', 'completed', 'errored', 'cancelled', 'lost'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/**
 * One row per scenario × environment of a run. `failed` means the test ran and failed; `aborted`
 * means something around it broke (agent lost, timeout, framework crash); `stopped` means a user
 * or fail-fast stopped it while running; `not_executed` means it never ran.
 */
export const SCENARIO_RESULTS = [
  'queued',
  'running',
  'passed',
  'failed',
  'flaky',
  'skipped',
  'aborted',
  'stopped',
  'not_executed',
] as const;
export type ScenarioResult = (typeof SCENARIO_RESULTS)[number];
export const PENDING_SCENARIO_RESULTS = ['queued', 'running'] as const satisfies readonly ScenarioResult[];
export const FINAL_SCENARIO_RESULTS = SCENARIO_RESULTS.filter(
  (s) => !(PENDING_SCENARIO_RESULTS as readonly string[]).includes(s),
) as Exclude<ScenarioResult, (typeof PENDING_SCENARIO_RESULTS)[number]>[];

/** What a test framework can report for one test; mapped onto scenario results by the domain. */
export const TEST_OUTCOMES = ['passed', 'failed', 'skipped', 'errored'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

/** Who ended a job or run without its tests' own verdict. */
export const ENDED_BY = ['user', 'fail_fast', 'timeout', 'agent_lost', 'system'] as const;
export type EndedBy = (typeof ENDED_BY)[number];

export const CONCURRENCY_POLICIES = ['allow', 'skip', 'queue', 'cancel-previous'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

export const PLATFORMS = ['web', 'ios', 'android', 'api', 'desktop'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const FRAMEWORKS = [
  'vitest',
  'node-test',
  'command',
  'jest',
  'mocha',
  'playwright',
  'pytest',
  'junit5',
] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** `offline`: stopped cleanly (it said so); `lost`: stopped being seen; `retired`: its credential no longer works. */
export const AGENT_STATUSES = ['online', 'offline', 'lost', 'retired'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const AUTHORITIES = ['PLAN_READ', 'PLAN_RUN', 'PLAN_WRITE', 'ADMIN'] as const;
export type Authority = (typeof AUTHORITIES)[number];

export const TRIGGER_SOURCES = ['api', 'cli', 'dashboard', 'testinium', 'testerarmy', 'testsigma'] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

/** How a rerun chose its scenario × environment pairs: the failed/aborted ones of its parent, or a list. */
/** How a rerun chose its pairs: the parent's failures, a pick of pairs, or every pair of the parent. */
export const RERUN_TYPES = ['failed', 'pairs', 'all'] as const;
export type RerunType = (typeof RERUN_TYPES)[number];
/** The results a `failed` rerun runs again. */
export const RERUN_FAILED_RESULTS = ['failed', 'aborted'] as const satisfies readonly ScenarioResult[];

export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}
