import type { TestOutcome } from '../protocol/statuses.js';
import { capText } from '../reports/capped-text.js';
import type { JUnitCase } from '../reports/junit-case.js';
import type { TestReport } from './types.js';

// A file's outcome is the first of these any of its cases has: one failure fails the file,
// and a file is skipped only when every case in it was.
const PRECEDENCE: readonly TestOutcome[] = ['failed', 'errored', 'passed', 'skipped'];

/**
 * Folds the test cases of one file into the report of a file-level scenario (key = file). The
 * message and stack are those of the first case with the file's outcome, prefixed by its title
 * when the file has several cases.
 */
export function fileReport(file: string, cases: readonly JUnitCase[]): TestReport {
  const outcome = PRECEDENCE.find((o) => cases.some((c) => c.outcome === o)) ?? 'skipped';
  const report: TestReport = {
    key: file,
    file,
    path: [],
    outcome,
    durationMs: Math.round(cases.reduce((sum, c) => sum + c.time, 0) * 1000),
  };
  const first = cases.find((c) => c.outcome === outcome);
  if (first !== undefined && (outcome === 'failed' || outcome === 'errored')) {
    // A file of one case (a script, a single test) needs no title to say which case it was.
    const title = cases.length === 1 ? '' : `${[...first.suites, first.name].filter((s) => s !== '').join(' > ')}: `;
    const count = cases.filter((c) => c.outcome === outcome).length;
    const more = count > 1 ? ` (and ${count - 1} more)` : '';
    report.message = `${title}${first.message ?? outcome}${more}`;
    if (first.stack !== undefined) report.stack = first.stack;
  }
  const retries = cases.reduce((sum, c) => sum + (c.retries ?? 0), 0);
  if (retries > 0) report.retries = retries;
  const stdout = joinOutput(cases.map((c) => c.stdout));
  const stderr = joinOutput(cases.map((c) => c.stderr));
  if (stdout !== undefined) report.stdout = stdout;
  if (stderr !== undefined) report.stderr = stderr;
  return report;
}

function joinOutput(parts: (string | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  return present.length === 0 ? undefined : capText(present.join('\n'));
}
