import type { RunResult, ScenarioResult, TestOutcome } from '../protocol/statuses.js';
import { SCENARIO_RESULTS } from '../protocol/statuses.js';

/** Counts of a run, one per scenario result plus the total. */
export type RunCounts = Record<ScenarioResult, number> & { total: number };

export function emptyCounts(): RunCounts {
  const counts = { total: 0 } as RunCounts;
  for (const s of SCENARIO_RESULTS) counts[s] = 0;
  return counts;
}

export function countsFrom(rows: Iterable<{ status: ScenarioResult; n: number }>): RunCounts {
  const counts = emptyCounts();
  for (const { status, n } of rows) {
    counts[status] += n;
    counts.total += n;
  }
  return counts;
}

/**
 * The verdict of a finished run from its counts. Failures outrank infrastructure trouble: a run
 * with a failed test is `failed` even if another job was aborted, because the failure is the news.
 * Flaky and skipped scenarios count as passed.
 */
export function runResult(counts: RunCounts, cancelled: boolean): RunResult {
  if (cancelled) return 'stopped';
  if (counts.failed > 0) return 'failed';
  if (counts.aborted > 0 || counts.not_executed > 0 || counts.stopped > 0) return 'aborted';
  if (counts.total === 0) return 'aborted';
  return 'passed';
}

/**
 * Maps what a framework reported for one attempt onto a scenario result. `priorFailures` counts
 * earlier attempts of the same scenario in this run that failed; a pass after a failure is flaky,
 * and so is a pass the framework only reached by retrying the test itself.
 */
export function scenarioResultOf(outcome: TestOutcome, priorFailures: number, frameworkRetries = 0): ScenarioResult {
  switch (outcome) {
    case 'passed':
      return priorFailures > 0 || frameworkRetries > 0 ? 'flaky' : 'passed';
    case 'skipped':
      return 'skipped';
    case 'failed':
    case 'errored':
      return 'failed';
  }
}
