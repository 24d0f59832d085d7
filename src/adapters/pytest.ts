import { delimiter, join } from 'node:path';
import { occurrenceKeys, storedKey } from '../domain/scenario-key.js';
import { capText } from '../reports/capped-text.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { fileReport } from './file-report.js';
import { stringOption, workerFlag } from './options.js';
import { keyOfCase, parseCollection, pytestXmlText, scenarioOfNodeId, selectionOf } from './pytest-node-id.js';
import {
  installPytestSelectPlugin,
  PYTEST_SELECT_PLUGIN_MODULE,
  writePytestSelection,
} from './pytest-select-plugin.js';
import { installPytestWorkerPlugin, PYTEST_WORKER_PLUGIN_MODULE } from './pytest-worker-plugin.js';
import { describeExit, readJUnitReport } from './report-errors.js';
import { fileArguments, scenarioFiles } from './scenario-files.js';
import {
  AdapterError,
  type Adapter,
  type AdapterContext,
  type CommandSpec,
  type DiscoveredScenario,
  type ProcessOutput,
  type ScenarioRef,
  type TestReport,
} from './types.js';
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';

const REPORT_FILE = 'pytest.xml';
// pytest's headers in captured output (`---- Captured Out ----`): the text under them is what counts.
const CAPTURE_HEADER = /^-+ Captured (?:Log|Out|Err) -+$/gm;

/**
 * pytest, run as `python3 -m pytest` (option `python` names another interpreter). Scenarios are
 * pytest's node ids, keyed by their parts: `tests/test_a.py::TestX::test_y[1]` is
 * `tests/test_a.py > TestX > test_y[1]`. Node ids are relative to pytest's rootdir: run the plan
 * from it (the directory of pytest.ini, pyproject.toml or setup.cfg). A file that fails to
 * collect is a scenario of its own, keyed by the file.
 *
 * Discovery is `--collect-only -q`; items sharing a node id (a plugin's own collector can make
 * them) get their occurrence (`… #2`). A run passes the files and selects the node ids with
 * Proctor's plugin (pytest-select-plugin.ts), whatever they hold, and writes JUnit XML
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
    if (output === null)
      throw new AdapterError('report_missing', 'pytest discovery needs the output of pytest --collect-only');
    explainExit(output, ctx);
    const { nodeIds, brokenFiles } = parseCollection(output.stdout);
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const file of brokenFiles) scenarios.set(file, { key: file, file, path: [], tags: [] });
    const collected = nodeIds.map(scenarioOfNodeId);
    // Items of a plugin's own collector may share a node id: each is a scenario of its own.
    const keys = occurrenceKeys(collected);
    for (const [i, s] of collected.entries()) {
      const key = keys[i] ?? s.key;
      if (!scenarios.has(key)) scenarios.set(key, { ...s, key });
    }
    if (scenarios.size === 0)
      throw new AdapterError('no_tests', `pytest collected no tests in ${ctx.cwd} (${describeExit(output)})`);
    return [...scenarios.values()];
  },

  workerCommand(ctx) {
    if (!workerFlag(ctx.options, 'pytest')) return null;
    // Quiet, and no percentages: they would count the whole suite the worker collected, not the batch.
    const spec = pytestCommand(ctx, [
      '-p',
      PYTEST_WORKER_PLUGIN_MODULE,
      '--continue-on-collection-errors',
      '-q',
      '-o',
      'console_output_style=classic',
    ]);
    spec.env.PYTHONPATH = withPythonPath(ctx, installPytestWorkerPlugin());
    return spec;
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    // The files to collect; too many for a command line, and pytest collects what its config says.
    const files = fileArguments(scenarioFiles(chosen)) ?? [];
    const spec = pytestCommand(ctx, [
      '-p',
      PYTEST_SELECT_PLUGIN_MODULE,
      `--proctor-select=${writePytestSelection(ctx.reportDir, selectionOf(chosen))}`,
      '--continue-on-collection-errors',
      '-o',
      'junit_family=xunit1',
      '-o',
      'junit_logging=out-err',
      `--junitxml=${join(ctx.reportDir, REPORT_FILE)}`,
      ...files,
    ]);
    spec.env.PYTHONPATH = withPythonPath(ctx, installPytestSelectPlugin());
    return spec;
  },

  workerBatch(ctx, scenarios) {
    // The worker selects from what it collected by node ids and files, as the one-shot plugin does.
    const chosen = selectable(ctx, scenarios, missingFile(ctx));
    const { node_ids, files } = selectionOf(chosen);
    return {
      scenarios: chosen,
      files: chosen.length === 0 ? [] : scenarioFiles(chosen),
      node_ids: [...node_ids, ...files],
    };
  },

  async parseRun(ctx, scenarios, output) {
    explainExit(output, ctx);
    const reports = await withUnselectable(ctx, scenarios, async (chosen) =>
      pytestReports(chosen, await readJUnitReport(join(ctx.reportDir, REPORT_FILE), 'pytest', output)),
    );
    return attachArtifacts(ctx, reports);
  },
};

/** The reports of the chosen scenarios from pytest's test cases; items sharing a node id get their occurrence. */
function pytestReports(scenarios: readonly ScenarioRef[], cases: readonly JUnitCase[]): TestReport[] {
  const requested = new PytestScenarios(scenarios);
  const keyed = cases.flatMap((c) => {
    const id = keyOfCase(c);
    return id === undefined ? [] : [{ id, c }];
  });
  const keys = occurrenceKeys(keyed.map(({ id }) => id));
  const found = new Map<string, { key: string; path: string[]; cases: JUnitCase[] }>();
  const add = (s: ScenarioRef, key: string, path: string[], c: JUnitCase): void => {
    const same = found.get(s.key);
    if (same === undefined) found.set(s.key, { key, path, cases: [c] });
    else same.cases.push(c);
  };
  for (const [i, { id, c }] of keyed.entries()) {
    for (const field of ['stdout', 'stderr'] as const) {
      const text = c[field]?.replace(CAPTURE_HEADER, '').trim();
      if (text) c[field] = capText(text);
      else delete c[field];
    }
    if (id.path.length === 0) {
      // A file that failed to collect stands for every test of it that was asked for.
      for (const s of scenarios) if (pytestXmlText(s.file) === id.file) add(s, s.key, s.path, c);
      continue;
    }
    // The report writes some characters of a name otherwise (see pytestXmlText): the job's key stands.
    const s = requested.find(keys[i] ?? id.key);
    if (s !== undefined) add(s, s.key, s.path, c);
  }
  return scenarios.flatMap((s): TestReport[] => {
    if (s.path.length === 0) {
      const all = keyed.filter(({ id }) => id.file === pytestXmlText(s.file)).map(({ c }) => c);
      return all.length === 0 ? [] : [{ ...fileReport(s.file, all), key: s.key, path: s.path }];
    }
    const own = found.get(s.key);
    return own === undefined ? [] : [{ ...fileReport(s.file, own.cases), key: own.key, path: own.path }];
  });
}

/**
 * The requested scenarios, found by a key as pytest's JUnit report writes it (see pytestXmlText):
 * the key a job names, as discovered or as the server stores it (cut, when it is long).
 */
class PytestScenarios {
  readonly #byXmlKey = new Map<string, ScenarioRef>();

  constructor(scenarios: readonly ScenarioRef[]) {
    for (const s of scenarios)
      if (!this.#byXmlKey.has(pytestXmlText(s.key))) this.#byXmlKey.set(pytestXmlText(s.key), s);
  }

  find(xmlKey: string): ScenarioRef | undefined {
    return this.#byXmlKey.get(xmlKey) ?? this.#byXmlKey.get(storedKey(xmlKey));
  }
}

/** PYTHONPATH with `dir` first, then the one the run would have had (the spec's env overrides the agent's). */
function withPythonPath(ctx: AdapterContext, dir: string): string {
  const inherited = ctx.env.PYTHONPATH ?? process.env.PYTHONPATH;
  return [dir, ...(inherited ? [inherited] : [])].join(delimiter);
}

function pytestCommand(ctx: AdapterContext, args: string[]): CommandSpec {
  const python = stringOption(ctx.options, 'python') ?? 'python3';
  const extra = ctx.options.args;
  if (extra !== undefined && extra !== null && !(Array.isArray(extra) && extra.every((a) => typeof a === 'string'))) {
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
    throw new AdapterError(
      'framework_missing',
      `pytest is not installed for ${stringOption(ctx.options, 'python') ?? 'python3'} (apt-get install python3-pytest, or pip install pytest)`,
    );
  }
  if (output.exitCode === 4)
    throw new AdapterError('bad_options', `pytest refused its arguments: ${said.trim().slice(-500)}`);
  if (output.exitCode === 3)
    throw new AdapterError('report_missing', `pytest failed internally: ${said.trim().slice(-500)}`);
}
