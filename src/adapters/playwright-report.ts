import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestOutcome } from '../protocol/statuses.js';
import { capText } from '../reports/capped-text.js';
import { stripAnsi } from './ansi.js';
import { relativeFile } from './find-files.js';
import { requireReport } from './report-errors.js';
import { AdapterError, type ProcessOutput, type TestArtifact } from './types.js';

/** The parts of Playwright's JSON reporter output Proctor reads. */
interface JsonSuite {
  title: string;
  file?: string;
  specs?: { title: string; file?: string; tests: JsonTest[] }[];
  suites?: JsonSuite[];
}
interface JsonTest {
  projectName?: string;
  status: 'expected' | 'unexpected' | 'flaky' | 'skipped';
  results: JsonResult[];
}
interface JsonResult {
  status?: string;
  duration?: number;
  error?: { message?: string; stack?: string };
  stdout?: ({ text: string } | { buffer: string })[];
  stderr?: ({ text: string } | { buffer: string })[];
  attachments?: { name: string; contentType?: string; path?: string }[];
}
interface JsonError {
  message?: string;
  stack?: string;
  location?: { file?: string };
}
interface JsonReport {
  config: { rootDir: string };
  suites: JsonSuite[];
  errors?: JsonError[];
}

/** One test of one project, as the report says. */
export interface PlaywrightTest {
  file: string;
  /** Describe titles and the test title. */
  path: string[];
  project: string;
  outcome: TestOutcome;
  durationMs: number;
  retries: number;
  message?: string;
  stack?: string;
  stdout?: string;
  stderr?: string;
  artifacts: TestArtifact[];
}

/** An error outside any test (a file that does not load, a broken config), with its file if known. */
export interface PlaywrightError {
  file?: string;
  message: string;
  stack: string;
}

/** Reads a Playwright JSON report; AdapterError('report_missing' | 'report_malformed') when it cannot. */
export async function readPlaywrightReport(
  path: string,
  cwd: string,
  output: ProcessOutput | null,
): Promise<{ tests: PlaywrightTest[]; errors: PlaywrightError[] }> {
  await requireReport(path, 'playwright', output);
  let report: JsonReport;
  try {
    report = JSON.parse(await readFile(path, 'utf8')) as JsonReport;
  } catch (error) {
    throw new AdapterError('report_malformed', `playwright wrote a report that is not JSON at ${path}`, {
      cause: error,
    });
  }
  if (typeof report?.config?.rootDir !== 'string' || !Array.isArray(report.suites)) {
    throw new AdapterError(
      'report_malformed',
      `${path} is not a Playwright JSON report (no config.rootDir and suites)`,
    );
  }
  const tests: PlaywrightTest[] = [];
  for (const fileSuite of report.suites) collect(fileSuite, [], cwd, report.config.rootDir, tests);
  const errors = (report.errors ?? []).map((e): PlaywrightError => {
    const message = stripAnsi(e.message ?? 'error');
    const error: PlaywrightError = {
      message: message.split('\n', 1)[0] ?? message,
      stack: capText(stripAnsi(e.stack ?? message)),
    };
    if (e.location?.file) error.file = relativeFile(cwd, e.location.file);
    return error;
  });
  return { tests, errors };
}

function collect(suite: JsonSuite, titles: string[], cwd: string, rootDir: string, out: PlaywrightTest[]): void {
  for (const spec of suite.specs ?? []) {
    const file = relativeFile(cwd, join(rootDir, spec.file ?? suite.file ?? suite.title));
    for (const test of spec.tests) out.push(playwrightTest(file, [...titles, spec.title], test));
  }
  // The top level is the file's suite, whose title is the file: describe titles start below it.
  for (const child of suite.suites ?? []) collect(child, [...titles, child.title], cwd, rootDir, out);
}

function playwrightTest(file: string, path: string[], test: JsonTest): PlaywrightTest {
  const last = test.results.at(-1);
  const failed = [...test.results].reverse().find((r) => r.error !== undefined);
  const result: PlaywrightTest = {
    file,
    path,
    project: test.projectName ?? '',
    outcome: outcomeOf(test, last),
    durationMs: test.results.reduce((sum, r) => sum + (r.duration ?? 0), 0),
    retries: Math.max(0, test.results.length - 1),
    artifacts: test.results.flatMap((r) =>
      (r.attachments ?? []).flatMap((a) => (a.path ? [artifact(a.name, a.path, a.contentType)] : [])),
    ),
  };
  if (failed?.error !== undefined && result.outcome !== 'passed' && result.outcome !== 'skipped') {
    const message = stripAnsi(failed.error.message ?? 'failed');
    result.message = capText(message.split('\n', 1)[0] ?? message);
    result.stack = capText(stripAnsi(failed.error.stack ?? message));
  }
  const stdout = joinStream(test.results.flatMap((r) => r.stdout ?? []));
  const stderr = joinStream(test.results.flatMap((r) => r.stderr ?? []));
  if (stdout !== '') result.stdout = capText(stdout);
  if (stderr !== '') result.stderr = capText(stderr);
  return result;
}

// Playwright's own verdict: "expected" covers test.fail() tests that failed as they should.
function outcomeOf(test: JsonTest, last: JsonResult | undefined): TestOutcome {
  if (test.status === 'skipped' || last === undefined) return 'skipped';
  if (test.status === 'expected') return last.status === 'skipped' ? 'skipped' : 'passed';
  if (test.status === 'flaky') return 'passed';
  return last.status === 'interrupted' ? 'errored' : 'failed';
}

function artifact(name: string, path: string, contentType: string | undefined): TestArtifact {
  return contentType === undefined ? { path, name } : { path, name, contentType };
}

function joinStream(chunks: ({ text: string } | { buffer: string })[]): string {
  return chunks.map((c) => ('text' in c ? c.text : Buffer.from(c.buffer, 'base64').toString('utf8'))).join('');
}
