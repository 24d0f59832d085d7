import { occurrenceKeys } from '../domain/scenario-key.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { fileReport } from './file-report.js';
import { RequestedScenarios } from './requested-scenarios.js';
import { attachArtifacts } from './artifacts.js';
import {
  AdapterError,
  type AdapterContext,
  type DiscoveredScenario,
  type ScenarioRef,
  type SuiteReport,
  type TestReport,
} from './types.js';
import type { VitestFile } from './vitest-report.js';

/** A test of a Jest-format report with its key: tests sharing a title in a file get their occurrence (`… #2`). */
interface KeyedTest {
  key: string;
  path: string[];
  test: JUnitCase;
}

/**
 * The tests of one file's entry with their keys. Occurrences count within the entry: the same
 * file run in two Vitest projects, or Jest projects, is two entries whose tests fold into the same
 * scenarios (the worse outcome stands), as Playwright's projects do.
 */
function keyedTests(f: VitestFile): KeyedTest[] {
  const paths = f.tests.map((t) => [...t.suites, t.name]);
  const keys = occurrenceKeys(paths.map((path) => ({ file: f.file, path })));
  return f.tests.map((test, i) => ({ key: keys[i] ?? '', path: paths[i] ?? [], test }));
}

/**
 * The scenarios of a Jest-format JSON report (Vitest's and Jest's): one per test, keyed
 * `file > describe… > title` (`… #2` for a second test with the same title), and one per file
 * that failed to load, keyed by the file alone. Throws AdapterError('no_tests') when there are none.
 */
export function scenariosOfReport(files: readonly VitestFile[], tool: string, cwd: string): DiscoveredScenario[] {
  const scenarios = new Map<string, DiscoveredScenario>();
  for (const f of files) {
    if (f.tests.length === 0 && f.error !== undefined)
      scenarios.set(f.file, { key: f.file, file: f.file, path: [], tags: [] });
    for (const { key, path } of keyedTests(f))
      if (!scenarios.has(key)) scenarios.set(key, { key, file: f.file, path, tags: [] });
  }
  if (scenarios.size === 0) throw new AdapterError('no_tests', `${tool} found no tests in ${cwd}`);
  return [...scenarios.values()];
}

/**
 * The reports of the requested scenarios from a Jest-format JSON report. Tests the report has but
 * nobody asked for (a case-insensitive name filter, a pattern left out for length, a whole file
 * run) are dropped; requested tests it lacks get no report.
 */
export function reportsOfScenarios(files: readonly VitestFile[], scenarios: readonly ScenarioRef[]): TestReport[] {
  const requested = new RequestedScenarios(scenarios);
  const byFile = new Map<string, VitestFile[]>();
  const found = new Map<string, { key: string; path: string[]; tests: JUnitCase[] }>();
  for (const f of files) {
    byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const { key, path, test } of keyedTests(f)) {
      const s = requested.find(key);
      if (s === undefined) continue;
      const same = found.get(s.key);
      if (same === undefined) found.set(s.key, { key, path, tests: [test] });
      else same.tests.push(test);
    }
  }
  return scenarios.flatMap((s) => {
    const entries = byFile.get(s.file);
    if (entries === undefined) return [];
    if (s.path.length === 0) {
      const tests = entries.flatMap((e) => e.tests);
      const error = entries.find((e) => e.error !== undefined)?.error;
      if (tests.length > 0) return [{ ...fileReport(s.file, tests), key: s.key, path: s.path }];
      return error === undefined ? [] : [brokenFileReport(s, error)];
    }
    const own = found.get(s.key);
    if (own !== undefined) return [{ ...fileReport(s.file, own.tests), key: own.key, path: own.path }];
    const error = entries.find((e) => e.error !== undefined)?.error;
    return error === undefined ? [] : [brokenFileReport(s, error)];
  });
}

function brokenFileReport(scenario: ScenarioRef, error: string): TestReport {
  return {
    key: scenario.key,
    file: scenario.file,
    path: scenario.path,
    outcome: 'errored',
    durationMs: 0,
    // Jest opens with a heading ("● Test suite failed to run"); the reason is the first line after it.
    message:
      error
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l !== '' && !l.startsWith('●')) ?? error,
    stack: error,
  };
}

/** A whole suite's run from its Jest-format report: the scenarios discovery would list, and their reports. */
export async function suiteOfReport(
  ctx: AdapterContext,
  files: readonly VitestFile[],
  tool: string,
): Promise<SuiteReport> {
  const scenarios = scenariosOfReport(files, tool, ctx.cwd);
  return { scenarios, results: await attachArtifacts(ctx, reportsOfScenarios(files, scenarios)) };
}
