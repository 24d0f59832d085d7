import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { relativeFile } from './find-files.js';
import { writeMochaRunConfig } from './mocha-config.js';
import { MOCHA_RESULTS_FILE, writeMochaReporter } from './mocha-reporter.js';
import { mochaReports, readMochaRecords } from './mocha-results.js';
import { stringOption } from './options.js';
import { locatePackageBin, locatePackageDir } from './package-binary.js';
import { scenarioFiles } from './scenario-files.js';
import { fullTitlePattern } from './title-pattern.js';
import { AdapterError, scenarioKey, type Adapter, type AdapterContext, type CommandSpec, type DiscoveredScenario } from './types.js';

/**
 * Mocha. Scenarios are single tests, keyed `file > describe… > title` (file relative to cwd).
 *
 * Discovery is Mocha's `--dry-run` (files load, describe bodies run, no test or hook does) under
 * Proctor's reporter, which records each test's title path and file (Mocha's JSON reporter joins
 * titles with spaces, which cannot be split back). A run names its files and greps the exact full
 * titles; its config is the suite's own minus `spec` (see writeMochaRunConfig), so only the named
 * files load. A file that fails to load stops Mocha before any test: that is report_missing, with
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
    for (const r of records) {
      if (r.type !== 'test') continue;
      const file = relativeFile(ctx.cwd, r.file);
      const key = scenarioKey(file, r.titlePath);
      if (!scenarios.has(key)) scenarios.set(key, { key, file, path: r.titlePath, tags: [] });
    }
    if (scenarios.size === 0) throw new AdapterError('no_tests', `mocha found no tests in ${ctx.cwd} (${records.length} records)`);
    return [...scenarios.values()];
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const files = scenarioFiles(scenarios);
    const mochaDir = locatePackageDir(ctx.cwd, 'mocha');
    if (mochaDir === undefined) throw missing(ctx);
    const config = writeMochaRunConfig(ctx.reportDir, mochaDir, ctx.cwd, stringOption(ctx.options, 'config'));
    const pattern = fullTitlePattern(scenarios);
    return mochaCommand(ctx, ['--config', config, '--no-package', ...(pattern === undefined ? [] : ['--grep', pattern]), '--', ...files]);
  },

  async parseRun(ctx, scenarios, output) {
    const records = await readMochaRecords(join(ctx.reportDir, MOCHA_RESULTS_FILE), output);
    return attachArtifacts(ctx, mochaReports(ctx.cwd, scenarios, records));
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

function missing(ctx: AdapterContext): AdapterError {
  return new AdapterError('framework_missing', `mocha is not installed in ${ctx.cwd}: run npm install -D mocha there`);
}
