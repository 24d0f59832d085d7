import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { writeMochaRunConfig } from './mocha-config.js';
import { MOCHA_RESULTS_FILE, writeMochaReporter } from './mocha-reporter.js';
import { keyedTestRecords, mochaReports, readMochaRecords } from './mocha-results.js';
import { stringOption } from './options.js';
import { locatePackageBin, requirePackageDir } from './package-binary.js';
import { scenarioFiles } from './scenario-files.js';
import { fullTitlePattern } from './title-pattern.js';
import { AdapterError, type Adapter, type AdapterContext, type CommandSpec, type DiscoveredScenario } from './types.js';
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';

/**
 * Mocha. Scenarios are single tests, keyed `file > describe… > title` (file relative to cwd).
 *
 * Discovery is Mocha's `--dry-run` (files load, describe bodies run, no test or hook does) under
 * Proctor's reporter, which records each test's title path and file (Mocha's JSON reporter joins
 * titles with spaces, which cannot be split back); tests sharing a title get their occurrence
 * (`… #2`). A run's files and a grep of the tests' full titles go in a config of its own, the
 * suite's with them in place of its `spec` (see writeMochaRunConfig), so only the named files load. A file that fails to load stops Mocha before any test: that is report_missing, with
 * Mocha's stderr.
 *
 * Outcomes: passed, failed, skipped (pending); `this.retries()` retries count as retries. Tests a
 * failed hook kept from running are errored with the hook's message.
 *
 * Options: `config`, a Mocha config file relative to cwd; `artifacts`, `artifacts_max_mb`.
 */
export const mochaAdapter: Adapter = {
  framework: 'mocha',

  discoverCommand(ctx) {
    const config = stringOption(ctx.options, 'config');
    return mochaCommand(ctx, ['--dry-run', ...(config === undefined ? [] : ['--config', config])]);
  },

  async parseDiscovery(ctx, output) {
    const records = await readMochaRecords(join(ctx.reportDir, MOCHA_RESULTS_FILE), output);
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const { key, file, record } of keyedTestRecords(ctx.cwd, records)) {
      if (!scenarios.has(key)) scenarios.set(key, { key, file, path: record.titlePath, tags: [] });
    }
    if (scenarios.size === 0)
      throw new AdapterError('no_tests', `mocha found no tests in ${ctx.cwd} (${records.length} records)`);
    return [...scenarios.values()];
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    const mochaDir = requirePackageDir(ctx.cwd, 'mocha');
    // The selection goes in the config file, so no title and no number of files meets a command line.
    const selection = { spec: scenarioFiles(chosen), grep: fullTitlePattern(chosen, Infinity) };
    const config = writeMochaRunConfig(
      ctx.reportDir,
      mochaDir,
      ctx.cwd,
      stringOption(ctx.options, 'config'),
      selection,
    );
    return mochaCommand(ctx, ['--config', config, '--no-package']);
  },

  async parseRun(ctx, scenarios, output) {
    const reports = await withUnselectable(ctx, scenarios, async (chosen) =>
      mochaReports(ctx.cwd, chosen, await readMochaRecords(join(ctx.reportDir, MOCHA_RESULTS_FILE), output)),
    );
    return attachArtifacts(ctx, reports);
  },
};

function mochaCommand(ctx: AdapterContext, args: string[]): CommandSpec {
  return {
    command: process.execPath,
    args: [locatePackageBin(ctx.cwd, 'mocha', 'mocha'), '--reporter', writeMochaReporter(ctx.reportDir), ...args],
    cwd: ctx.cwd,
    env: { ...ctx.env },
  };
}
