import type { ScenarioResult } from '../protocol/statuses.js';
import { isoTime } from '../protocol/wire-time.js';

/** CTRF's five test statuses. */
export type CtrfStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'other';

/** One test of a CTRF report (the fields Proctor fills; see https://ctrf.io). */
export interface CtrfTest {
  name: string;
  status: CtrfStatus;
  /** Milliseconds, an integer. */
  duration: number;
  start?: number;
  stop?: number;
  /** Suite hierarchy from the top: the environment, the file, then describe blocks. */
  suite?: string[];
  message?: string;
  trace?: string;
  rawStatus?: string;
  filePath?: string;
  retries?: number;
  flaky?: boolean;
  stdout?: string[];
  stderr?: string[];
  extra?: Record<string, unknown>;
}

/** A CTRF document (spec 1.0.0). */
export interface CtrfReport {
  reportFormat: 'CTRF';
  specVersion: string;
  timestamp: string;
  generatedBy: string;
  results: {
    tool: { name: string; version?: string };
    summary: {
      tests: number;
      passed: number;
      failed: number;
      skipped: number;
      pending: number;
      other: number;
      flaky: number;
      start: number;
      stop: number;
      duration: number;
    };
    tests: CtrfTest[];
    environment?: {
      reportName?: string;
      buildName?: string;
      buildNumber?: number;
      branchName?: string;
      commit?: string;
    };
    extra?: Record<string, unknown>;
  };
}

/** One scenario result of a run, as CTRF writing needs it. */
export interface CtrfResultInput {
  key: string;
  file: string;
  path: string[];
  environment: string;
  status: ScenarioResult;
  attempts: number;
  durationMs: number | null;
  message?: string | null;
  stack?: string | null;
  stdout?: string | null;
  stderr?: string | null;
  startedAt?: number | null;
  finishedAt?: number | null;
}

/** A run to write as CTRF. Times are milliseconds since the epoch. */
export interface CtrfRunInput {
  name: string;
  toolVersion?: string;
  start: number;
  stop: number;
  build?: string | null;
  branch?: string | null;
  ref?: string | null;
  extra?: Record<string, unknown>;
  results: CtrfResultInput[];
}

const STATUS: Record<ScenarioResult, CtrfStatus> = {
  passed: 'passed',
  flaky: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  queued: 'pending',
  running: 'pending',
  aborted: 'other',
  stopped: 'other',
  not_executed: 'other',
};

/**
 * Formats a run's results as a CTRF (Common Test Report Format, spec 1.0.0) document: one test
 * per scenario × environment, named by its title, with the suite path `[environment, file,
 * describe…]` and the scenario key in `extra.key`.
 *
 * Status mapping (Proctor's scenario result → CTRF `status`; `rawStatus` always carries
 * Proctor's own status):
 * - passed → passed; flaky → passed with `flaky: true` and `retries` = attempts − 1 (at least 1);
 * - failed → failed (with `retries` when plan retries ran it again); skipped → skipped;
 * - queued, running (a run still in progress) → pending;
 * - aborted, stopped, not_executed → other: CTRF has no status for "something around the test
 *   broke", "a user or fail-fast stopped it" or "it never ran", so `rawStatus` says which.
 *
 * @example formatCtrf({ name: 'web/unit run 7', start, stop, results }).results.summary.failed
 */
export function formatCtrf(run: CtrfRunInput): CtrfReport {
  const tests = run.results.map(ctrfTest);
  const count = (status: CtrfStatus): number => tests.filter((t) => t.status === status).length;
  const start = Math.round(run.start);
  const stop = Math.max(start, Math.round(run.stop));
  const environment = runEnvironment(run);
  return {
    reportFormat: 'CTRF',
    specVersion: '1.0.0',
    timestamp: isoTime(stop),
    generatedBy: 'proctor',
    results: {
      tool: run.toolVersion === undefined ? { name: 'proctor' } : { name: 'proctor', version: run.toolVersion },
      summary: {
        tests: tests.length,
        passed: count('passed'),
        failed: count('failed'),
        skipped: count('skipped'),
        pending: count('pending'),
        other: count('other'),
        flaky: tests.filter((t) => t.flaky === true).length,
        start,
        stop,
        duration: stop - start,
      },
      tests,
      ...(Object.keys(environment).length > 0 ? { environment } : {}),
      ...(run.extra === undefined ? {} : { extra: run.extra }),
    },
  };
}

function ctrfTest(r: CtrfResultInput): CtrfTest {
  const test: CtrfTest = {
    name: r.path.at(-1) || r.key || r.file || '(unnamed)',
    status: STATUS[r.status],
    duration: Math.max(0, Math.round(r.durationMs ?? 0)),
    suite: [r.environment, ...(r.path.length > 0 ? [r.file, ...r.path.slice(0, -1)] : [])].filter((s) => s !== ''),
    rawStatus: r.status,
    filePath: r.file,
    extra: { key: r.key, environment: r.environment, attempts: r.attempts },
  };
  if (test.suite?.length === 0) delete test.suite;
  if (r.startedAt != null) test.start = Math.round(r.startedAt);
  if (r.finishedAt != null) test.stop = Math.round(r.finishedAt);
  if (r.attempts > 1) test.retries = r.attempts - 1;
  if (r.status === 'flaky') {
    test.flaky = true;
    // A pass after the framework's own retries took one attempt of Proctor's, yet was retried.
    test.retries = Math.max(1, r.attempts - 1);
  }
  if (r.message) test.message = r.message;
  if (r.stack) test.trace = r.stack;
  if (r.stdout) test.stdout = r.stdout.split('\n');
  if (r.stderr) test.stderr = r.stderr.split('\n');
  return test;
}

function runEnvironment(run: CtrfRunInput): NonNullable<CtrfReport['results']['environment']> {
  const env: NonNullable<CtrfReport['results']['environment']> = { reportName: run.name };
  if (run.build) {
    env.buildName = run.build;
    // CTRF's buildNumber is an integer; a build like "1.4-rc2" stays a name only.
    if (/^\d{1,15}$/.test(run.build)) env.buildNumber = Number(run.build);
  }
  if (run.branch) env.branchName = run.branch;
  if (run.ref) env.commit = run.ref;
  return env;
}
