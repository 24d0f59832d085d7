import { join } from 'node:path';
import type { JUnitCase } from '../reports/junit-case.js';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { fileReport } from './file-report.js';
import { stringListOption, stringOption } from './options.js';
import { locatePackageBin } from './package-binary.js';
import { playwrightFilters } from './playwright-filter.js';
import { readPlaywrightReport, type PlaywrightError, type PlaywrightTest } from './playwright-report.js';
import { RequestedScenarios } from './requested-scenarios.js';
import { scenarioFiles } from './scenario-files.js';
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
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';

const DISCOVERY_REPORT = 'playwright-discovery.json';
const RUN_REPORT = 'playwright.json';
/** The environment variable an environment sets to choose its Playwright project(s), comma-separated. */
export const BROWSER_VARIABLE = 'PROCTOR_BROWSER';

/**
 * Playwright Test. Scenarios are single tests, keyed `file > describe… > title` with the file
 * relative to cwd; the project is not part of the key. An environment picks its project with
 * the variable PROCTOR_BROWSER (`chromium`, or a comma-separated list), else the plan's option
 * `project` applies, else every project runs. A test run in several projects (or repeated,
 * `repeatEach`) folds into one result: the worse outcome stands. Playwright itself refuses a
 * suite in which two tests share a title, so equal keys are always one test.
 *
 * Discovery is `playwright test --list` with the JSON reporter. A file that fails to load makes
 * Playwright list nothing at all: that is AdapterError('no_tests') naming the file and the error
 * (a run of such a suite errors every test with it). A run names its files and greps the tests' titles (see
 * playwrightFilters), writing the JSON report and its artifacts under the report directory.
 *
 * Outcomes: Playwright's verdict per test: expected → passed (or skipped), flaky → passed with its
 * retries, unexpected → failed (errored when interrupted), skipped → skipped. Screenshots, videos
 * and traces of the test's attempts are its artifacts.
 *
 * Options: `config` (a config file relative to cwd), `project` (one or a list), `artifacts`,
 * `artifacts_max_mb`.
 */
export const playwrightAdapter: Adapter = {
  framework: 'playwright',

  discoverCommand(ctx) {
    return playwrightCommand(ctx, ['--list', '--reporter=json'], join(ctx.reportDir, DISCOVERY_REPORT));
  },

  async parseDiscovery(ctx, output) {
    const { tests, errors } = await readPlaywrightReport(join(ctx.reportDir, DISCOVERY_REPORT), ctx.cwd, output);
    if (tests.length === 0) {
      // Playwright lists nothing at all when one file fails to load: say which and why.
      const why =
        errors[0] === undefined
          ? ''
          : `: ${errors[0].message}${errors[0].file === undefined ? '' : ` (${errors[0].file})`}`;
      throw new AdapterError('no_tests', `playwright found no tests in ${ctx.cwd}${why}`);
    }
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const e of errors)
      if (e.file !== undefined) scenarios.set(e.file, { key: e.file, file: e.file, path: [], tags: [] });
    for (const t of tests) {
      const key = scenarioKey(t.file, t.path);
      scenarios.delete(t.file);
      if (!scenarios.has(key)) scenarios.set(key, { key, file: t.file, path: t.path, tags: [] });
    }
    return [...scenarios.values()];
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    const { grep, files } = playwrightFilters(scenarioFiles(chosen), chosen);
    const args = [
      '--reporter=list,json',
      `--output=${join(ctx.reportDir, 'test-results')}`,
      ...(grep === undefined ? [] : [`--grep=${grep}`]),
    ];
    return playwrightCommand(ctx, [...args, '--', ...files], join(ctx.reportDir, RUN_REPORT));
  },

  async parseRun(ctx, scenarios, output) {
    const reports = await withUnselectable(ctx, scenarios, async (chosen) => {
      const { tests, errors } = await readPlaywrightReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output);
      return playwrightReports(chosen, tests, errors);
    });
    return attachArtifacts(ctx, reports);
  },
};

function playwrightCommand(ctx: AdapterContext, args: string[], reportPath: string): CommandSpec {
  const config = stringOption(ctx.options, 'config');
  return {
    command: process.execPath,
    args: [
      locatePackageBin(ctx.cwd, '@playwright/test', 'playwright'),
      'test',
      ...(config === undefined ? [] : [`--config=${config}`]),
      ...projectsOf(ctx).map((p) => `--project=${p}`),
      ...args,
    ],
    cwd: ctx.cwd,
    env: { ...ctx.env, PLAYWRIGHT_JSON_OUTPUT_FILE: reportPath },
  };
}

/** The projects to run: the environment's PROCTOR_BROWSER, else the plan's `project`, else all. */
export function projectsOf(ctx: AdapterContext): string[] {
  const fromEnv = ctx.env[BROWSER_VARIABLE]
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  return stringListOption(ctx.options, 'project', []);
}

function playwrightReports(
  scenarios: readonly ScenarioRef[],
  tests: PlaywrightTest[],
  errors: PlaywrightError[],
): TestReport[] {
  const requested = new RequestedScenarios(scenarios);
  const byKey = new Map<string, PlaywrightTest[]>();
  for (const t of tests) {
    const s = requested.find(scenarioKey(t.file, t.path));
    if (s !== undefined) byKey.set(s.key, [...(byKey.get(s.key) ?? []), t]);
  }
  return scenarios.flatMap((s): TestReport[] => {
    const found = s.path.length === 0 ? tests.filter((t) => t.file === s.file) : (byKey.get(s.key) ?? []);
    if (found.length > 0) return [foldedReport(s, found)];
    // A file that does not load stops the whole run: its tests get its error, the others a note.
    const own = errors.find((e) => e.file === s.file);
    const error = own ?? (tests.length === 0 ? errors[0] : undefined);
    if (error === undefined) return [];
    const message =
      own === undefined
        ? `not run: ${error.message}${error.file === undefined ? '' : ` (${error.file})`}`
        : error.message;
    return [{ key: s.key, file: s.file, path: s.path, outcome: 'errored', durationMs: 0, message, stack: error.stack }];
  });
}

/** One report for the runs of a test in several projects (or a file's tests): the worse outcome stands. */
function foldedReport(s: ScenarioRef, found: PlaywrightTest[]): TestReport {
  const cases = found.map((t): JUnitCase => {
    const c: JUnitCase = {
      suites: t.path.slice(0, -1),
      classname: t.project,
      name: t.path.at(-1) ?? '',
      time: t.durationMs / 1000,
      outcome: t.outcome,
    };
    if (found.length > 1 && t.project !== '') c.name = `${c.name} [${t.project}]`;
    for (const field of ['message', 'stack', 'stdout', 'stderr'] as const)
      if (t[field] !== undefined) c[field] = t[field];
    if (t.retries > 0) c.retries = t.retries;
    return c;
  });
  // The key as Playwright names the test (the job may name it as the server stores it).
  const own =
    found[0] !== undefined && s.path.length > 0
      ? { key: scenarioKey(found[0].file, found[0].path), path: found[0].path }
      : { key: s.key, path: s.path };
  const report: TestReport = { ...fileReport(s.file, cases), ...own };
  const artifacts = found.flatMap((t) => t.artifacts);
  if (artifacts.length > 0) report.artifacts = artifacts;
  return report;
}
