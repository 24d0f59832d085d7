import { delimiter, join } from 'node:path';
import { capText } from '../reports/capped-text.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { fileReport } from './file-report.js';
import { stringOption, workerFlag } from './options.js';
import { keyOfCase, nodeIdOf, parseCollection, scenarioOfNodeId } from './pytest-node-id.js';
import { installPytestWorkerPlugin, PYTEST_WORKER_PLUGIN_MODULE } from './pytest-worker-plugin.js';
import { describeExit, readJUnitReport } from './report-errors.js';
import { fileArgument } from './scenario-files.js';
import { AdapterError, type Adapter, type AdapterContext, type CommandSpec, type DiscoveredScenario, type ProcessOutput, type TestReport } from './types.js';

const REPORT_FILE = 'pytest.xml';
// One argv may not exceed about 2 MiB on Linux; past this, run whole files and filter after.
const MAX_ARGS_LENGTH = 1_000_000;
// pytest's headers in captured output (`---- Captured Out ----`): the text under them is what counts.
const CAPTURE_HEADER = /^-+ Captured (?:Log|Out|Err) -+$/gm;

/**
 * pytest, run as `python3 -m pytest` (option `python` names another interpreter). Scenarios are
 * pytest's node ids, keyed by their parts: `tests/test_a.py::TestX::test_y[1]` is
 * `tests/test_a.py > TestX > test_y[1]`. Node ids are relative to pytest's rootdir: run the plan
 * from it (the directory of pytest.ini, pyproject.toml or setup.cfg). A file that fails to
 * collect is a scenario of its own, keyed by the file.
 *
 * Discovery is `--collect-only -q`; a run passes the node ids and writes JUnit XML
 * (`junit_family=xunit1`, which names each test's file, and captured output per test). The cache
 * plugin is off, so runs leave no `.pytest_cache` in the suite.
 *
 * Outcomes: passed, failed, errored (an error in a fixture or in collection), skipped (skip, xfail).
 *
 * Options: `python` (default `python3`), `args` (extra arguments, a list), `artifacts`,
 * `artifacts_max_mb`, `worker`.
 *
 * `worker: true` is queue mode: one `python -m pytest` per slot and run, with Proctor's plugin
 * (pytest-worker-plugin.ts), collects the suite once and then runs batch after batch read from
 * stdin (protocol in agent/framework-worker.ts), each writing the same report a one-shot run
 * writes. Every fixture, session-scoped ones too, is torn down at the end of each batch; module
 * state and imports live on between batches. `-x`/`--maxfail` in `args` do not stop a batch.
 */
export const pytestAdapter: Adapter = {
  framework: 'pytest',

  discoverCommand(ctx) {
    return pytestCommand(ctx, ['--collect-only', '-q']);
  },

  async parseDiscovery(ctx, output) {
    if (output === null) throw new AdapterError('report_missing', 'pytest discovery needs the output of pytest --collect-only');
    explainExit(output, ctx);
    const { nodeIds, brokenFiles } = parseCollection(output.stdout);
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const file of brokenFiles) scenarios.set(file, { key: file, file, path: [], tags: [] });
    for (const id of nodeIds) {
      const s = scenarioOfNodeId(id);
      if (!scenarios.has(s.key)) scenarios.set(s.key, s);
    }
    if (scenarios.size === 0) throw new AdapterError('no_tests', `pytest collected no tests in ${ctx.cwd} (${describeExit(output)})`);
    return [...scenarios.values()];
  },

  workerCommand(ctx) {
    if (!workerFlag(ctx.options, 'pytest')) return null;
    // Quiet, and no percentages: they would count the whole suite the worker collected, not the batch.
    const spec = pytestCommand(ctx, ['-p', PYTEST_WORKER_PLUGIN_MODULE, '--continue-on-collection-errors', '-q', '-o', 'console_output_style=classic']);
    // The spec's PYTHONPATH overrides the agent's: keep the one a one-shot run would have seen.
    const inherited = ctx.env['PYTHONPATH'] ?? process.env['PYTHONPATH'];
    spec.env['PYTHONPATH'] = [installPytestWorkerPlugin(), ...(inherited ? [inherited] : [])].join(delimiter);
    return spec;
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    if (scenarios.length === 0) throw new AdapterError('no_tests', 'no scenarios were given to run');
    let targets = [...new Set(scenarios.map(nodeIdOf))];
    if (targets.join(' ').length > MAX_ARGS_LENGTH) targets = [...new Set(scenarios.map((s) => s.file))];
    return pytestCommand(ctx, [
      '--continue-on-collection-errors',
      '-o', 'junit_family=xunit1',
      '-o', 'junit_logging=out-err',
      `--junitxml=${join(ctx.reportDir, REPORT_FILE)}`,
      ...targets.map(fileArgument),
    ]);
  },

  async parseRun(ctx, scenarios, output) {
    explainExit(output, ctx);
    const cases = await readJUnitReport(join(ctx.reportDir, REPORT_FILE), 'pytest', output);
    const byKey = new Map<string, JUnitCase[]>();
    for (const c of cases) {
      const id = keyOfCase(c);
      if (id === undefined) continue;
      for (const field of ['stdout', 'stderr'] as const) {
        const text = c[field]?.replace(CAPTURE_HEADER, '').trim();
        if (text) c[field] = capText(text);
        else delete c[field];
      }
      // A file that failed to collect stands for every test of it that was asked for.
      const keys = id.path.length === 0 ? scenarios.filter((s) => s.file === id.file).map((s) => s.key) : [id.key];
      for (const key of keys) byKey.set(key, [...(byKey.get(key) ?? []), c]);
    }
    const reports = scenarios.flatMap((s): TestReport[] => {
      const found = s.path.length === 0 ? cases.filter((c) => keyOfCase(c)?.file === s.file) : byKey.get(s.key);
      return found === undefined || found.length === 0 ? [] : [{ ...fileReport(s.file, found), key: s.key, path: s.path }];
    });
    return attachArtifacts(ctx, reports);
  },
};

function pytestCommand(ctx: AdapterContext, args: string[]): CommandSpec {
  const python = stringOption(ctx.options, 'python') ?? 'python3';
  const extra = ctx.options['args'];
  if (extra !== undefined && !(Array.isArray(extra) && extra.every((a) => typeof a === 'string'))) {
    throw new AdapterError('bad_options', 'options.args: expected a list of strings');
  }
  return {
    command: python,
    args: ['-m', 'pytest', '-p', 'no:cacheprovider', ...((extra as string[] | undefined) ?? []), ...args],
    cwd: ctx.cwd,
    env: { ...ctx.env },
  };
}

/** pytest's exit codes that mean misconfiguration: AdapterError with its own words. */
function explainExit(output: ProcessOutput, ctx: AdapterContext): void {
  const said = `${output.stderr}\n${output.stdout}`;
  if (/No module named pytest/.test(said)) {
    throw new AdapterError('framework_missing', `pytest is not installed for ${stringOption(ctx.options, 'python') ?? 'python3'} (apt-get install python3-pytest, or pip install pytest)`);
  }
  if (output.exitCode === 4) throw new AdapterError('bad_options', `pytest refused its arguments: ${said.trim().slice(-500)}`);
  if (output.exitCode === 3) throw new AdapterError('report_missing', `pytest failed internally: ${said.trim().slice(-500)}`);
}
