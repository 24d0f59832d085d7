import {
  SCENARIO_RESULTS,
  type RunResult,
  type RunStatus,
  type ScenarioResult,
} from '../../../src/protocol/statuses.js';
import type { RunView } from '../api.js';

/** One glyph per scenario result, so the matrix reads without colour too. */
export const GLYPH: Record<ScenarioResult, string> = {
  queued: '○',
  running: '◔',
  passed: '✓',
  failed: '✗',
  flaky: '≈',
  skipped: '–',
  aborted: '!',
  stopped: '■',
  not_executed: '·',
};

export const label = (s: string) => s.replace(/_/g, ' ');

/** A status or result as a fixed-width badge (its width never changes when the status does). */
export function Badge({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`badge s-${status}`} title={title}>
      {label(status)}
    </span>
  );
}

/** A run's state in one badge: its result once it has one, else its status. */
export function RunBadge({ run }: { run: Pick<RunView, 'status' | 'result'> }) {
  const s: RunStatus | RunResult = run.result ?? run.status;
  return <Badge status={s} title={run.result ? `${run.status}, ${run.result}` : run.status} />;
}

/** Scenario results in display order: the ones that need attention first. */
export const COUNT_ORDER: ScenarioResult[] = [
  'failed',
  'aborted',
  'flaky',
  'passed',
  'skipped',
  'stopped',
  'not_executed',
  'running',
  'queued',
];
export const ALL_RESULTS = SCENARIO_RESULTS;
