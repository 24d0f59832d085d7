import { readFile } from 'node:fs/promises';
import type { TestOutcome } from '../protocol/statuses.js';
import { capText } from '../reports/capped-text.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { stripAnsi } from './ansi.js';
import { relativeFile } from './find-files.js';
import { requireReport } from './report-errors.js';
import { AdapterError, type ProcessOutput } from './types.js';

/**
 * The parts of the JSON report Proctor reads: Jest's `--json` format, which Vitest's
 * `--reporter=json` copies. Jest adds `invocations` (1 + retries under `jest.retryTimes`).
 */
interface VitestJsonReport {
  testResults: {
    name: string;
    status?: string;
    message?: string;
    assertionResults: {
      ancestorTitles: string[];
      title: string;
      status: string;
      duration?: number | null;
      failureMessages?: string[] | null;
      invocations?: number | null;
    }[];
  }[];
}

/** The tests of one file of a Vitest report, and why the file itself failed, if it did. */
export interface VitestFile {
  file: string;
  /** One per test, as JUnit-shaped cases: `suites` are the describe titles, `name` the test title. */
  tests: JUnitCase[];
  /** Set when the file failed outside any test: it did not load, or a file-level hook threw. */
  error?: string;
}

const OUTCOMES: Record<string, TestOutcome> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'skipped',
  todo: 'skipped',
  disabled: 'skipped',
};

/**
 * Reads a Vitest (or Jest: `tool` = 'jest') JSON report; AdapterError('report_missing' |
 * 'report_malformed') when it cannot.
 */
export async function readVitestReport(
  path: string,
  cwd: string,
  output: ProcessOutput | null,
  tool = 'vitest',
): Promise<VitestFile[]> {
  await requireReport(path, tool, output);
  let report: unknown;
  try {
    report = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AdapterError('report_malformed', `${tool} wrote a report that is not JSON at ${path}`, { cause: error });
  }
  if (!isVitestReport(report)) {
    throw new AdapterError(
      'report_malformed',
      `${path} is not a ${tool === 'jest' ? 'Jest' : 'Vitest'} JSON report (no testResults[].assertionResults)`,
    );
  }
  return report.testResults.map((result) => vitestFile(result, cwd));
}

type FileResult = VitestJsonReport['testResults'][number];
type AssertionResult = FileResult['assertionResults'][number];

function vitestFile(result: FileResult, cwd: string): VitestFile {
  const file = relativeFile(cwd, result.name);
  const tests = result.assertionResults.map((a) => vitestTest(a, file));
  if (result.status !== 'failed' || tests.some((t) => t.outcome === 'failed' || t.outcome === 'errored')) {
    return { file, tests };
  }
  // The file failed but none of its tests did: it did not load, or a beforeAll/afterAll threw.
  // Vitest then reports the tests that never ran as "skipped" and, for a hook, gives no message;
  // calling them skipped would hide a broken suite.
  const error =
    capText(stripAnsi(result.message ?? '').trim()) ||
    'the file failed outside its tests (a hook or an unhandled error): see the job log';
  for (const t of tests) {
    if (t.outcome !== 'skipped') continue;
    t.outcome = 'errored';
    t.message = `not run: ${error.split('\n', 1)[0]}`;
  }
  return { file, tests, error };
}

function vitestTest(a: AssertionResult, file: string): JUnitCase {
  const test: JUnitCase = {
    suites: a.ancestorTitles,
    classname: file,
    name: a.title,
    file,
    time: (a.duration ?? 0) / 1000,
    outcome: OUTCOMES[a.status] ?? 'errored',
  };
  if ((a.invocations ?? 1) > 1) test.retries = (a.invocations ?? 1) - 1;
  const failures = (a.failureMessages ?? []).map(stripAnsi);
  if (failures.length > 0) {
    test.message = capText(failures[0]?.split('\n', 1)[0] ?? '');
    test.stack = capText(failures.join('\n\n'));
  }
  return test;
}

function isVitestReport(value: unknown): value is VitestJsonReport {
  const results = (value as VitestJsonReport | null)?.testResults;
  return (
    Array.isArray(results) &&
    results.every(
      (r) =>
        typeof r?.name === 'string' &&
        Array.isArray(r.assertionResults) &&
        r.assertionResults.every((a) => typeof a?.title === 'string' && Array.isArray(a.ancestorTitles)),
    )
  );
}
