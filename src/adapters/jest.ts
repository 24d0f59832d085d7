import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { reportsOfScenarios, scenariosOfReport } from './json-report-scenarios.js';
import { stringOption, workerFlag } from './options.js';
import { installJestWorker, JEST_REPORT, jestMain } from './jest-worker-script.js';
import { locatePackageBin } from './package-binary.js';
import { scenarioFiles } from './scenario-files.js';
import { fullTitlePattern } from './title-pattern.js';
import type { Adapter, AdapterContext, CommandSpec } from './types.js';
import { readVitestReport } from './vitest-report.js';

const DISCOVERY_REPORT = 'jest-discovery.json';
const RUN_REPORT = JEST_REPORT;

/**
 * Jest. Scenarios are single tests, keyed `file > describe… > title` (file relative to cwd); a
 * file that fails to load is a scenario of its own, keyed by the file alone.
 *
 * Discovery runs Jest with a `--testNamePattern` no test matches and its `--json` report: every
 * test is collected (describe bodies run, test bodies and hooks do not) and listed as pending,
 * skipped and todo tests included. A run names its files exactly (`--runTestsByPath`) and its
 * tests by a pattern of their full titles; Jest matches that pattern ignoring case, so a test
 * differing only in case may run too, and is left out of the results.
 *
 * Outcomes: passed, failed, skipped (`skip`, `todo`); a test `jest.retryTimes` retried reports its
 * retries (`invocations` − 1), so a pass after a retry is flaky. Jest's JSON has no per-test
 * output: console output stays in the job log.
 *
 * Options: `config`, a Jest config file relative to cwd; `artifacts`, `artifacts_max_mb`;
 * `worker: true` for queue mode (see jest-worker-script.ts).
 */
export const jestAdapter: Adapter = {
  framework: 'jest',

  discoverCommand(ctx) {
    return jestCommand(ctx, [`--outputFile=${join(ctx.reportDir, DISCOVERY_REPORT)}`, '--testNamePattern=(?!)', '--passWithNoTests']);
  },

  async parseDiscovery(ctx, output) {
    const files = await readVitestReport(join(ctx.reportDir, DISCOVERY_REPORT), ctx.cwd, output, 'jest');
    return scenariosOfReport(files, 'jest', ctx.cwd);
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const pattern = fullTitlePattern(scenarios);
    return jestCommand(ctx, [
      `--outputFile=${join(ctx.reportDir, RUN_REPORT)}`,
      ...(pattern === undefined ? [] : [`--testNamePattern=${pattern}`]),
      '--runTestsByPath',
      '--',
      ...scenarioFiles(scenarios),
    ]);
  },

  workerCommand(ctx) {
    if (!workerFlag(ctx.options, 'jest')) return null;
    const config = stringOption(ctx.options, 'config');
    return { command: process.execPath, args: [installJestWorker(), jestMain(ctx.cwd), config ?? ''], cwd: ctx.cwd, env: { ...ctx.env } };
  },

  workerBatch(_ctx, scenarios) {
    return { test_name_pattern: fullTitlePattern(scenarios) ?? null };
  },

  async parseRun(ctx, scenarios, output) {
    const files = await readVitestReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output, 'jest');
    return attachArtifacts(ctx, reportsOfScenarios(files, scenarios));
  },
};

function jestCommand(ctx: AdapterContext, args: string[]): CommandSpec {
  const config = stringOption(ctx.options, 'config');
  return {
    command: process.execPath,
    args: [
      locatePackageBin(ctx.cwd, 'jest', 'jest'),
      // --ci: a missing snapshot fails instead of being written on the agent.
      '--ci',
      '--json',
      '--no-watchman',
      ...(config === undefined ? [] : [`--config=${config}`]),
      ...args,
    ],
    cwd: ctx.cwd,
    env: { ...ctx.env },
  };
}
