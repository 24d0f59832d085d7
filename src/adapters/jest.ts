import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { reportsOfScenarios, scenariosOfReport, suiteOfReport } from './json-report-scenarios.js';
import { stringOption, workerFlag } from './options.js';
import { installJestWorker, JEST_REPORT, jestMain } from './jest-worker-script.js';
import { locatePackageBin } from './package-binary.js';
import { scenarioFiles } from './scenario-files.js';
import { fullTitlePattern } from './title-pattern.js';
import type { Adapter, AdapterContext, CommandSpec, ScenarioRef } from './types.js';
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';
import { readVitestReport } from './vitest-report.js';

const DISCOVERY_REPORT = 'jest-discovery.json';
const RUN_REPORT = JEST_REPORT;

/**
 * Jest. Scenarios are single tests, keyed `file > describe… > title` (file relative to cwd; a
 * second test with the same title in a file, as `test.each` makes them, is `… > title #2`); a
 * file that fails to load is a scenario of its own, keyed by the file alone. A scenario whose
 * file is gone errors alone.
 *
 * Discovery runs Jest with a `--testNamePattern` no test matches and its `--json` report: every
 * test is collected (describe bodies run, test bodies and hooks do not) and listed as pending,
 * skipped and todo tests included. A run goes through Proctor's runner on Jest's `runCLI` (see
 * jest-worker-script.ts), which names its files exactly (`runTestsByPath`) and its tests by a
 * pattern of their full titles (see fullTitlePattern), from a file: the tests see the process
 * arguments of a bare `jest`. Jest matches that pattern ignoring case, so a test differing only in
 * case may run too, and is left out of the results.
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
    return jestCommand(ctx, [
      `--outputFile=${join(ctx.reportDir, DISCOVERY_REPORT)}`,
      '--testNamePattern=(?!)',
      '--passWithNoTests',
    ]);
  },

  async parseDiscovery(ctx, output) {
    const files = await readVitestReport(join(ctx.reportDir, DISCOVERY_REPORT), ctx.cwd, output, 'jest');
    return scenariosOfReport(files, 'jest', ctx.cwd);
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    return jestBatchRun(ctx, jestBatch(chosen));
  },

  suiteCommand(ctx) {
    markRunStart(ctx);
    // Jest finds the files itself (its config's roots and matchers), as `jest` does.
    return jestBatchRun(ctx, { files: null, test_name_pattern: null });
  },

  async parseSuite(ctx, output) {
    const files = await readVitestReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output, 'jest');
    return suiteOfReport(ctx, files, 'jest');
  },

  workerCommand(ctx) {
    return workerFlag(ctx.options, 'jest') ? jestRunner(ctx) : null;
  },

  workerBatch(ctx, scenarios) {
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    return { scenarios: chosen, ...(chosen.length === 0 ? { files: [], test_name_pattern: null } : jestBatch(chosen)) };
  },

  async parseRun(ctx, scenarios, output) {
    const reports = await withUnselectable(ctx, scenarios, async (chosen) =>
      reportsOfScenarios(await readVitestReport(join(ctx.reportDir, RUN_REPORT), ctx.cwd, output, 'jest'), chosen),
    );
    return attachArtifacts(ctx, reports);
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

/** Proctor's runner of Jest (see jest-worker-script.ts): one batch with `--batch <file>`, else a queue-mode worker. */
function jestRunner(ctx: AdapterContext): CommandSpec {
  const config = stringOption(ctx.options, 'config') ?? '';
  return {
    command: process.execPath,
    args: [installJestWorker(), jestMain(ctx.cwd), locatePackageBin(ctx.cwd, 'jest', 'jest'), config],
    cwd: ctx.cwd,
    env: { ...ctx.env },
  };
}

/** One batch through Proctor's runner: the batch in a file, not on a command line the tests could read. */
function jestBatchRun(
  ctx: AdapterContext,
  batch: { files: string[] | null; test_name_pattern: string | null },
): CommandSpec {
  const file = join(ctx.reportDir, 'jest-batch.json');
  writeFileSync(file, JSON.stringify({ report_dir: ctx.reportDir, ...batch }));
  const runner = jestRunner(ctx);
  return { ...runner, args: [...runner.args, '--batch', file] };
}

/** What a batch of these scenarios runs: their files, and a pattern of their full titles (none for a whole file). */
function jestBatch(scenarios: readonly ScenarioRef[]): { files: string[]; test_name_pattern: string | null } {
  return { files: scenarioFiles(scenarios), test_name_pattern: fullTitlePattern(scenarios, Infinity) ?? null };
}
