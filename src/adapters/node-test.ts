import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { fileReport } from './file-report.js';
import { findFiles, relativeFile } from './find-files.js';
import { nodeTestReporterUrl } from './node-test-reporter.js';
import { stringListOption } from './options.js';
import { readJUnitReport } from './report-errors.js';
import { fileArgument, scenarioFiles } from './scenario-files.js';
import { AdapterError, scenarioKey, type Adapter, type AdapterContext, type TestReport } from './types.js';
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';

const DEFAULT_INCLUDE = ['**/*.test.{js,mjs,cjs}', '**/test/**/*.{js,mjs}'];
const REPORT_FILE = 'node-test.xml';

/**
 * node's built-in test runner. Scenarios are test files (key = the file, relative to cwd).
 *
 * Why not single tests: node:test has no way to list tests without running them. A name pattern
 * that matches nothing lists every test as skipped on Node 20, but Node 22 and later leave
 * filtered tests out of the report altogether, so keys would differ between agents on different
 * Node versions, and subtests created inside a test body appear only when it runs.
 *
 * Options: `include` and `exclude`, globs (one or a list) relative to cwd; `include` defaults to
 * `**\/*.test.{js,mjs,cjs}` and `**\/test/**\/*.{js,mjs}`. node_modules is never searched.
 * `artifacts`, `artifacts_max_mb`: files to keep with the results (see attachArtifacts).
 */
export const nodeTestAdapter: Adapter = {
  framework: 'node-test',

  discoverCommand(): null {
    return null;
  },

  async parseDiscovery(ctx) {
    const include = stringListOption(ctx.options, 'include', DEFAULT_INCLUDE);
    const exclude = stringListOption(ctx.options, 'exclude', []);
    const files = await findFiles(ctx.cwd, include, exclude);
    if (files.length === 0) {
      throw new AdapterError('no_tests', `no test files in ${ctx.cwd} match ${include.join(', ')}`);
    }
    return files.map((file) => ({ key: scenarioKey(file, []), file, path: [], tags: [] }));
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    // node --test refuses the whole run over one file that is not there.
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    const files = scenarioFiles(chosen);
    return {
      command: process.execPath,
      args: [
        '--test',
        // Human-readable output for the job log, and our JUnit (with file names) for the results.
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${nodeTestReporterUrl()}`,
        `--test-reporter-destination=${join(ctx.reportDir, REPORT_FILE)}`,
        ...files.map(fileArgument),
      ],
      cwd: ctx.cwd,
      env: { ...ctx.env },
    };
  },

  async parseRun(ctx, scenarios, output) {
    const reports = await withUnselectable(ctx, scenarios, async (chosen) =>
      reportsByFile(
        ctx,
        scenarioFiles(chosen),
        await readJUnitReport(join(ctx.reportDir, REPORT_FILE), 'node --test', output),
      ),
    );
    return attachArtifacts(ctx, reports);
  },
};

function reportsByFile(ctx: AdapterContext, files: readonly string[], cases: readonly JUnitCase[]): TestReport[] {
  const byFile = new Map<string, JUnitCase[]>();
  for (const c of cases) {
    if (c.file === undefined) continue;
    const file = relativeFile(ctx.cwd, c.file);
    const list = byFile.get(file);
    if (list === undefined) byFile.set(file, [c]);
    else list.push(c);
  }
  return files.flatMap((file) => {
    const found = byFile.get(file);
    return found === undefined ? [] : [fileReport(file, found)];
  });
}
