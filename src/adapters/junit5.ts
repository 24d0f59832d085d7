import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { shellQuote } from './command-template.js';
import { discoveredUniqueIds, writeDiscoveryProgram } from './junit5-discovery.js';
import { caseUniqueId, junit5Reports, readLegacyReports } from './junit5-results.js';
import { javaSetup, type JavaSetup } from './junit5-setup.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { JUNIT5_UNRESOLVED, junit5RunnerSetup, junit5WorkerCommand } from './junit5-worker-program.js';
import { workerFlag } from './options.js';
import { scenarioOfUniqueId, selectorOf } from './junit5-unique-id.js';
import { describeExit } from './report-errors.js';
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

const REPORTS = 'junit5-reports';

/**
 * JUnit 5 (the Jupiter engine) through JUnit's console launcher, with the JDK's `java` and
 * `javac` on PATH. Scenarios are test methods, keyed `com.x.CalcTest > Nested > method(param
 * types)`: the top-level class, fully qualified, is the file; nested classes and the method with
 * its parameter types (as Jupiter's unique ids write them: `int`, `java.lang.String`) are the path.
 * Invocations of a parameterized, repeated or factory method fold into the method's scenario.
 *
 * Every job compiles `sources` into the report directory first (a self-contained suite needs no
 * build tool); prebuilt classes can be given with `classpath` instead (see javaSetup for the
 * options `launcher`, `sources`, `classpath`). Discovery runs a small Launcher API program with
 * Java's source launcher. A run goes through Proctor's runner on JUnit's Launcher API (see
 * junit5-worker-program.ts), which selects the methods from a file and writes the console
 * launcher's legacy XML reports, with the tests' captured stdout and stderr; a method or class
 * JUnit cannot find errors that scenario alone. A whole suite's run (queue/suite-run.ts) selects
 * the class path roots discovery scans, by the same class name pattern, and reads each scenario
 * from the unique id that opens its case's output in the report. Display names are not part of a key: two methods
 * with one `@DisplayName` are two scenarios, as are two overloads.
 *
 * Outcomes: passed, failed (an assertion), errored (any other exception), skipped (disabled or
 * aborted by an assumption). `worker: true`: queue mode (see junit5-worker-program.ts).
 */
export const junit5Adapter: Adapter = {
  framework: 'junit5',

  discoverCommand(ctx) {
    const setup = javaSetup(ctx);
    const program = writeDiscoveryProgram(ctx.reportDir);
    const discover = ['java', '-cp', [setup.launcher, ...setup.classPath].join(':'), program, ...setup.scanRoots]
      .map(shellQuote)
      .join(' ');
    return {
      command: [setup.compile, `exec ${discover}`].filter((c) => c !== null).join(' && '),
      args: [],
      cwd: ctx.cwd,
      env: { ...ctx.env },
      shell: true,
    };
  },

  async parseDiscovery(ctx, output) {
    if (output === null)
      throw new AdapterError('report_missing', 'JUnit discovery needs the output of its discovery program');
    explainFailure(output);
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const id of discoveredUniqueIds(output.stdout)) {
      const s = scenarioOfUniqueId(id);
      if (s !== undefined && !scenarios.has(s.key)) scenarios.set(s.key, s);
    }
    if (scenarios.size === 0)
      throw new AdapterError('no_tests', `JUnit found no Jupiter tests in ${ctx.cwd} (${describeExit(output)})`);
    return [...scenarios.values()];
  },

  runCommand(ctx, scenarios) {
    if (scenarios.length === 0) throw new AdapterError('no_tests', 'no scenarios were given to run');
    return runnerCommand(ctx, () => selectorsOf(scenarios));
  },

  suiteCommand(ctx) {
    // Every test class under the roots discovery scans, by the same class name pattern.
    return runnerCommand(ctx, (setup) => setup.scanRoots.map((root) => `root:${root}`));
  },

  async parseSuite(ctx, output) {
    explainFailure(output);
    const cases = await readLegacyReports(join(ctx.reportDir, REPORTS), output);
    // Each case's unique id names its scenario as discovery would (invocations fold into their method).
    const scenarios = scenariosOfCases(cases);
    if (scenarios.length === 0)
      throw new AdapterError('no_tests', `JUnit ran no Jupiter tests in ${ctx.cwd} (${describeExit(output)})`);
    return { scenarios, results: await attachArtifacts(ctx, junit5Reports(scenarios, cases)) };
  },

  workerCommand(ctx) {
    return workerFlag(ctx.options, 'junit5') ? junit5WorkerCommand(ctx) : null;
  },

  workerBatch(_ctx, scenarios) {
    return { selectors: selectorsOf(scenarios) };
  },

  async parseRun(ctx, scenarios, output) {
    explainFailure(output);
    const unresolved = await readUnresolved(ctx.reportDir);
    const refused = scenarios.filter((s) => unresolved.has(runnerSelector(s)));
    const errored = refused.map(
      (s): TestReport => ({
        key: s.key,
        file: s.file,
        path: s.path,
        outcome: 'errored',
        durationMs: 0,
        message: `not run: JUnit cannot select it: ${unresolved.get(runnerSelector(s))}`,
      }),
    );
    if (refused.length === scenarios.length) return errored;
    const cases = await readLegacyReports(join(ctx.reportDir, REPORTS), output);
    return attachArtifacts(ctx, [
      ...junit5Reports(
        scenarios.filter((s) => !refused.includes(s)),
        cases,
      ),
      ...errored,
    ]);
  },
};

/**
 * Proctor's runner (not the console launcher: a method or class that is gone fails the launcher's
 * whole run, the runner only that scenario; see junit5-worker-program.ts) on the batch of these
 * selectors, after compiling the sources when they changed.
 */
function runnerCommand(ctx: AdapterContext, selectors: (setup: JavaSetup) => string[]): CommandSpec {
  markRunStart(ctx);
  const setup = javaSetup(ctx);
  const runner = junit5RunnerSetup(setup.launcher);
  const batch = join(ctx.reportDir, 'junit5-batch.json');
  writeFileSync(batch, JSON.stringify({ report_dir: ctx.reportDir, selectors: selectors(setup) }));
  const run = [
    'java',
    '-cp',
    [setup.launcher, runner.classes, ...setup.classPath].join(':'),
    'ProctorJUnitWorker',
    '--batch',
    batch,
  ]
    .map(shellQuote)
    .join(' ');
  return {
    command: [setup.compile, runner.compile, `exec ${run}`].filter((c) => c !== null).join(' && '),
    args: [],
    cwd: ctx.cwd,
    env: { ...ctx.env },
    shell: true,
  };
}

/** The scenarios of the cases a run reported, by the unique id each case's output opens with; in report order. */
function scenariosOfCases(cases: readonly JUnitCase[]): DiscoveredScenario[] {
  const scenarios = new Map<string, DiscoveredScenario>();
  for (const c of cases) {
    const id = caseUniqueId(c);
    const s = id === undefined ? undefined : scenarioOfUniqueId(id);
    if (s !== undefined && !scenarios.has(s.key)) scenarios.set(s.key, s);
  }
  return [...scenarios.values()];
}

/** The runner's selector of a scenario: `method:com.x.CalcTest#adds(int, int)` or `class:com.x.CalcTest`. */
function runnerSelector(scenario: ScenarioRef): string {
  return selectorOf(scenario).replace(/^--select-(method|class)=/, '$1:');
}

function selectorsOf(scenarios: readonly ScenarioRef[]): string[] {
  return [...new Set(scenarios.map(runnerSelector))];
}

/** The selectors the runner could not resolve, with JUnit's reason (see JUNIT5_UNRESOLVED). */
async function readUnresolved(reportDir: string): Promise<Map<string, string>> {
  const text = await readFile(join(reportDir, JUNIT5_UNRESOLVED), 'utf8').catch(() => '');
  return new Map(
    text
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)]),
  );
}

/** The JDK missing, or the sources not compiling: AdapterError before any report is looked for. */
function explainFailure(output: ProcessOutput): void {
  const tail = output.stderr.trim().slice(-1500);
  if (output.exitCode === 127)
    throw new AdapterError(
      'framework_missing',
      `java or javac is not installed (apt-get install default-jdk-headless): ${tail}`,
    );
  if (/^\S+\.java:\d+: error: /m.test(output.stderr))
    throw new AdapterError('bad_options', `javac could not compile the sources: ${tail}`);
}
