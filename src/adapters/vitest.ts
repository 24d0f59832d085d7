import { join } from 'node:path';
import type { JUnitCase } from '../reports/junit-case.js';
import { fileReport } from './file-report.js';
import { stringOption } from './options.js';
import { locateVitest } from './vitest-binary.js';
import { readVitestReport, type VitestFile } from './vitest-report.js';
import { fileArgument, scenarioFiles } from './scenario-files.js';
import {
  AdapterError,
  scenarioKey,
  type Adapter,
  type AdapterContext,
  type CommandSpec,
  type DiscoveredScenario,
  type ScenarioRef,
  type TestReport,
} from './types.js';

const DISCOVERY_REPORT = 'vitest-discovery.json';
const RUN_REPORT = 'vitest.json';
// One argv string may not exceed 128 KiB on Linux; past this, run whole files and filter after.
const MAX_PATTERN_LENGTH = 100_000;

/**
 * Vitest. Scenarios are single tests, keyed `file > describe… > title`; a file that fails to load
 * is a scenario of its own, keyed by the file alone.
 *
 * Discovery runs the suite with a test-name pattern no test matches, writing the JSON report:
 * every test is collected (describe bodies run, test bodies do not) and reported as skipped with
 * its titles as a list. Unlike `vitest list --json` this keeps `it.skip` and `it.todo` tests and
 * needs no splitting of names on " > ", and discovery and run read one format, so keys agree.
 *
 * Options: `config`, a Vitest config file relative to cwd.
 */
export const vitestAdapter: Adapter = {
  framework: 'vitest',

  discoverCommand(ctx) {
    const reportPath = join(ctx.reportDir, DISCOVERY_REPORT);
    return vitestCommand(ctx, ['--reporter=json', `--outputFile.json=${reportPath}`, '--testNamePattern=(?!)', '--passWithNoTests']);
  },

  async parseDiscovery(ctx, output) {
    const files = await readVitestReport(join(ctx.reportDir, DISCOVERY_REPORT), ctx.cwd, output);
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const { file, tests, error } of files) {
      if (tests.length === 0 && error !== undefined) scenarios.set(file, { key: file, file, path: [], tags: [] });
      for (const t of tests) {
        const path = [...t.suites, t.name];
        const key = scenarioKey(file, path);
        if (!scenarios.has(key)) scenarios.set(key, { key, file, path, tags: [] });
      }
    }
    if (scenarios.size === 0) throw new AdapterError('no_tests', `vitest found no tests in ${ctx.cwd}`);
    return [...scenarios.values()];
  },

  runCommand(ctx, scenarios) {
    const files = scenarioFiles(scenarios);
    const pattern = namePattern(scenarios);
    return vitestCommand(ctx, [
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(ctx.reportDir, RUN_REPORT)}`,
      ...(pattern === undefined ? [] : [`--testNamePattern=${pattern}`]),
      // Vitest reads positional arguments as path filters (substrings of a test file's path).
      ...files.map(fileArgument),
    ]);
  },

  async parseRun(ctx, scenarios, output) {
    const files = await readVitestReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output);
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
  },
};

function vitestCommand(ctx: AdapterContext, args: string[]): CommandSpec {
  const config = stringOption(ctx.options, 'config');
  return {
    command: process.execPath,
    args: [locateVitest(ctx.cwd), 'run', ...(config === undefined ? [] : [`--config=${config}`]), ...args],
    cwd: ctx.cwd,
    env: { ...ctx.env },
  };
}

/**
 * The `--testNamePattern` that selects exactly these tests. Vitest matches the pattern against a
 * test's full name: its describe titles and its own title joined by single spaces, without the
 * file. Undefined (no filter) when a whole file is wanted or the pattern would be too long.
 */
export function namePattern(scenarios: readonly ScenarioRef[]): string | undefined {
  if (scenarios.some((s) => s.path.length === 0)) return undefined;
  const names = [...new Set(scenarios.map((s) => escapeRegExp(s.path.join(' '))))];
  const pattern = `^(?:${names.join('|')})$`;
  return pattern.length > MAX_PATTERN_LENGTH ? undefined : pattern;
}

// Vitest compiles the pattern without the `u` flag, where escaping "/" and "-" is allowed too.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
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
    message: error.split('\n', 1)[0] ?? error,
    stack: error,
  };
}
