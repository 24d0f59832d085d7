import type { Run } from '../../protocol/api.js';
import type { RunResult, RunStatus } from '../../protocol/statuses.js';

/**
 * TesterArmy's run statuses (queued, running, completed, failed, cancelled) for Proctor's. A run
 * whose tests ran is `completed`, passed or failed (its `output.result`); one that could not run
 * them (aborted: agent lost, timeout, nothing to run) is TesterArmy's `failed`, a run that failed
 * as such; a cancelled one is `cancelled`.
 */
const STATUS = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  cancelled: 'cancelled',
} as const satisfies Record<RunStatus, string>;
const ENDED_AS = {
  passed: 'completed',
  failed: 'completed',
  aborted: 'failed',
  stopped: 'cancelled',
} as const satisfies Record<RunResult, string>;
/** `output.result` of an ended run: PASS or FAILED, as TesterArmy's own runs report. */
const OUTPUT = { passed: 'PASS', failed: 'FAILED', aborted: 'FAILED', stopped: 'FAILED' } as const satisfies Record<
  RunResult,
  string
>;

/** The TesterArmy status of a run. */
export function testerArmyStatus(run: Pick<Run, 'status' | 'result'>): string {
  return run.result === null ? STATUS[run.status] : ENDED_AS[run.result];
}

/**
 * A run as TesterArmy's RunResponse (`GET /v1/runs/{id}`): its UUID, status and times, `output`
 * once it has ended, `error` when it could not run its tests, and Proctor's own `result`
 * (passed, failed, aborted, stopped) beside `testId`, the plan's UUID.
 */
export function testerArmyRun(run: Run, planUuid: string, platform: string): Record<string, unknown> {
  const c = run.counts;
  const ended = run.result !== null;
  const failedAsRun = run.result !== null && ENDED_AS[run.result] !== 'completed';
  return {
    id: run.uuid,
    type: 'ci',
    status: testerArmyStatus(run),
    result: run.result,
    testId: planUuid,
    input: {
      plan: run.plan.name,
      environments: run.trigger.environments,
      ...(run.trigger.profile ? { mode: run.trigger.profile } : {}),
    },
    output: ended
      ? {
          featureName: run.plan.name,
          result: OUTPUT[run.result!],
          description: `${c.passed + c.flaky} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.aborted + c.stopped + c.not_executed} did not run, of ${c.total}`,
          issues: [],
          screenshots: [],
        }
      : null,
    error: failedAsRun ? (run.end_reason ?? `the run ended ${run.result}`) : null,
    durationMs: run.duration_ms,
    platform,
    source: 'api',
    projectId: String(run.project.id),
    createdAt: run.created_at,
    startedAt: run.started_at,
    completedAt: run.finished_at,
  };
}
