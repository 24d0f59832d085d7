import type { Run } from '../protocol/api.js';
import { TERMINAL_RUN_STATUSES } from '../protocol/statuses.js';
import { EXIT } from './cli-error.js';

/** One line with a run's verdict and counts: `run 7 demo: failed — 7 passed, 2 failed, …`. */
export function runSummary(r: Run): string {
  const c = r.counts;
  const verdict = r.result ?? r.status;
  return `run ${r.id} ${r.plan.name}: ${verdict} — ${c.passed} passed, ${c.failed} failed, ${c.flaky} flaky, ${c.skipped} skipped, ${c.aborted + c.stopped + c.not_executed} not run, ${c.queued + c.running} pending of ${c.total}`;
}

/** Whether the run has ended (completed or cancelled). */
export function isRunOver(r: Run): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(r.status);
}

/**
 * The exit code an ended run implies (see `proctor --help`): 0 passed (flaky too, unless
 * `failOnFlaky`), 1 tests failed, 3 ended by its own run_timeout, 4 aborted or stopped otherwise.
 */
export function exitCodeOf(r: Run, failOnFlaky = false): number {
  if (r.result === 'passed') return failOnFlaky && r.counts.flaky > 0 ? EXIT.FAILED : EXIT.PASSED;
  if (r.result === 'failed') return EXIT.FAILED;
  if (r.ended_by === 'timeout') return EXIT.TIMED_OUT;
  return EXIT.INFRASTRUCTURE;
}

/** Why the CLI exits with `code`, in a few words. */
export function exitReason(code: number): string {
  const reasons: Record<number, string> = {
    [EXIT.PASSED]: 'all passed',
    [EXIT.FAILED]: 'tests failed',
    [EXIT.USAGE]: 'usage or configuration error',
    [EXIT.TIMED_OUT]: 'timed out',
    [EXIT.INFRASTRUCTURE]: 'infrastructure error',
    [EXIT.INTERRUPTED]: 'interrupted',
  };
  return reasons[code] ?? 'unknown';
}
