import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { reportsOfScenarios, scenariosOfReport, suiteOfReport } from './json-report-scenarios.js';
import { stringOption, workerFlag } from './options.js';
import { locateVitest } from './vitest-binary.js';
import { readVitestReport } from './vitest-report.js';
import { installVitestWorker, VITEST_REPORT, vitestNodeEntry } from './vitest-worker-script.js';
import { fileArgument, fileArguments, scenarioFiles } from './scenario-files.js';
import { fullTitlePattern } from './title-pattern.js';
import type { Adapter, AdapterContext, CommandSpec, ScenarioRef } from './types.js';
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';

const DISCOVERY_REPORT = 'vitest-discovery.json';
const RUN_REPORT = VITEST_REPORT;

/**
 * Vitest. Scenarios are single tests, keyed `file > describe… > title` (a second test with the
 * same title in a file is `… > title #2`); a file that fails to load is a scenario of its own,
 * keyed by the file alone. A run names its files and a plain-ASCII pattern of the tests' full
 * titles (see fullTitlePattern), whatever they hold; a pattern too long for a command line is left
 * out and the report filtered. A scenario whose file is gone errors alone.
 *
 * Discovery runs the suite with a test-name pattern no test matches, writing the JSON report:
 * every test is collected (describe bodies run, test bodies do not) and reported as skipped with
 * its titles as a list. Unlike `vitest list --json` this keeps `it.skip` and `it.todo` tests and
 * needs no splitting of names on " > ", and discovery and run read one format, so keys agree.
 *
 * Options: `config`, a Vitest config file relative to cwd; `artifacts`, `artifacts_max_mb`;
 * `worker: true` for queue mode (see vitest-worker-script.ts).
 */
export const vitestAdapter: Adapter = {
  framework: 'vitest',

  discoverCommand(ctx) {
    const reportPath = join(ctx.reportDir, DISCOVERY_REPORT);
    return vitestCommand(ctx, [
      '--reporter=json',
      `--outputFile.json=${reportPath}`,
      '--testNamePattern=(?!)',
      '--passWithNoTests',
    ]);
  },

  async parseDiscovery(ctx, output) {
    const files = await readVitestReport(join(ctx.reportDir, DISCOVERY_REPORT), ctx.cwd, output);
    return scenariosOfReport(files, 'vitest', ctx.cwd);
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    const pattern = namePattern(chosen);
    return vitestCommand(ctx, [
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(ctx.reportDir, RUN_REPORT)}`,
      ...(pattern === undefined ? [] : [`--testNamePattern=${pattern}`]),
      // Vitest reads positional arguments as path filters (substrings of a test file's path); too
      // many to fit a command line, and it runs every file (the report is filtered).
      ...(fileArguments(scenarioFiles(chosen)) ?? []),
    ]);
  },

  suiteCommand(ctx) {
    markRunStart(ctx);
    return vitestCommand(ctx, [
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(ctx.reportDir, RUN_REPORT)}`,
    ]);
  },

  async parseSuite(ctx, output) {
    return suiteOfReport(ctx, await readVitestReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output), 'vitest');
  },

  workerCommand(ctx) {
    if (!workerFlag(ctx.options, 'vitest')) return null;
    const config = stringOption(ctx.options, 'config');
    return {
      command: process.execPath,
      args: [installVitestWorker(), vitestNodeEntry(ctx.cwd), config ?? ''],
      cwd: ctx.cwd,
      env: { ...ctx.env },
    };
  },

  workerBatch(ctx, scenarios) {
    // The batch's line has no length limit: the pattern is only ever left out for a whole file.
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    const files = chosen.length === 0 ? [] : scenarioFiles(chosen);
    return {
      scenarios: chosen,
      files,
      test_name_pattern: fullTitlePattern(chosen, Infinity) ?? null,
      filters: files.map(fileArgument),
    };
  },

  async parseRun(ctx, scenarios, output) {
    const reports = await withUnselectable(ctx, scenarios, async (chosen) =>
      reportsOfScenarios(await readVitestReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output), chosen),
    );
    return attachArtifacts(ctx, reports);
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
 * file. Undefined (no filter) when a whole file is wanted or the pattern would be too long for a
 * command line (see fullTitlePattern).
 */
export const namePattern = (scenarios: readonly ScenarioRef[]): string | undefined => fullTitlePattern(scenarios);
