import type { JUnitCase } from '../reports/junit-case.js';
import { fileReport } from './file-report.js';
import { AdapterError, scenarioKey, type DiscoveredScenario, type ScenarioRef, type TestReport } from './types.js';
import type { VitestFile } from './vitest-report.js';

/**
 * The scenarios of a Jest-format JSON report (Vitest's and Jest's): one per test, keyed
 * `file > describe… > title`, and one per file that failed to load, keyed by the file alone.
 * Throws AdapterError('no_tests') when there are none.
 */
export function scenariosOfReport(files: readonly VitestFile[], tool: string, cwd: string): DiscoveredScenario[] {
  const scenarios = new Map<string, DiscoveredScenario>();
  for (const { file, tests, error } of files) {
    if (tests.length === 0 && error !== undefined) scenarios.set(file, { key: file, file, path: [], tags: [] });
    for (const t of tests) {
      const path = [...t.suites, t.name];
      const key = scenarioKey(file, path);
      if (!scenarios.has(key)) scenarios.set(key, { key, file, path, tags: [] });
    }
  }
  if (scenarios.size === 0) throw new AdapterError('no_tests', `${tool} found no tests in ${cwd}`);
  return [...scenarios.values()];
}

/**
 * The reports of the requested scenarios from a Jest-format JSON report. Tests the report has but
 * nobody asked for (a case-insensitive name filter, a pattern left out for length) are dropped;
 * requested tests it lacks get no report.
 */
export function reportsOfScenarios(files: readonly VitestFile[], scenarios: readonly ScenarioRef[]): TestReport[] {
  const byFile = new Map(files.map((f) => [f.file, f]));
  const byKey = new Map<string, JUnitCase[]>();
  for (const t of files.flatMap((f) => f.tests)) {
    const key = scenarioKey(t.file ?? t.classname, [...t.suites, t.name]);
    const same = byKey.get(key);
    if (same === undefined) byKey.set(key, [t]);
    else same.push(t);
  }
  return scenarios.flatMap((s) => {
    const file = byFile.get(s.file);
    if (file === undefined) return [];
    const report = scenarioReport(s, s.path.length === 0 ? file.tests : (byKey.get(s.key) ?? []), file);
    return report === undefined ? [] : [report];
  });
}

/** The report of one requested scenario from its tests, or undefined when the run did not reach it. */
function scenarioReport(scenario: ScenarioRef, tests: JUnitCase[], file: VitestFile): TestReport | undefined {
  if (tests.length === 0) return file.error === undefined ? undefined : brokenFileReport(scenario, file.error);
  // A whole file, or two tests with one name (one key): the worse outcome stands for all.
  return { ...fileReport(file.file, tests), key: scenario.key, path: scenario.path };
}

function brokenFileReport(scenario: ScenarioRef, error: string): TestReport {
  return {
    key: scenario.key,
    file: scenario.file,
    path: scenario.path,
    outcome: 'errored',
    durationMs: 0,
    // Jest opens with a heading ("● Test suite failed to run"); the reason is the first line after it.
    message: error.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('●')) ?? error,
    stack: error,
  };
}
