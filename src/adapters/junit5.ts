import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { shellQuote } from './command-template.js';
import { discoveredUniqueIds, writeDiscoveryProgram } from './junit5-discovery.js';
import { junit5Reports, readLegacyReports } from './junit5-results.js';
import { javaSetup } from './junit5-setup.js';
import { junit5WorkerCommand } from './junit5-worker-program.js';
import { workerFlag } from './options.js';
import { scenarioOfUniqueId, selectorOf } from './junit5-unique-id.js';
import { describeExit } from './report-errors.js';
import { AdapterError, type Adapter, type DiscoveredScenario, type ProcessOutput } from './types.js';

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
 * Java's source launcher; a run selects methods (`--select-method`) through an argument file and
 * reads the legacy XML reports, with the tests' captured stdout and stderr.
 *
 * Outcomes: passed, failed (an assertion), errored (any other exception), skipped (disabled or
 * aborted by an assumption). `worker: true`: queue mode (see junit5-worker-program.ts).
 */
export const junit5Adapter: Adapter = {
  framework: 'junit5',

  discoverCommand(ctx) {
    const setup = javaSetup(ctx);
    const program = writeDiscoveryProgram(ctx.reportDir);
    const discover = ['java', '-cp', [setup.launcher, ...setup.classPath].join(':'), program, ...setup.scanRoots].map(shellQuote).join(' ');
    return { command: [setup.compile, `exec ${discover}`].filter((c) => c !== null).join(' && '), args: [], cwd: ctx.cwd, env: { ...ctx.env }, shell: true };
  },

  async parseDiscovery(ctx, output) {
    if (output === null) throw new AdapterError('report_missing', 'JUnit discovery needs the output of its discovery program');
    explainFailure(output);
    const scenarios = new Map<string, DiscoveredScenario>();
    for (const id of discoveredUniqueIds(output.stdout)) {
      const s = scenarioOfUniqueId(id);
      if (s !== undefined && !scenarios.has(s.key)) scenarios.set(s.key, s);
    }
    if (scenarios.size === 0) throw new AdapterError('no_tests', `JUnit found no Jupiter tests in ${ctx.cwd} (${describeExit(output)})`);
    return [...scenarios.values()];
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    if (scenarios.length === 0) throw new AdapterError('no_tests', 'no scenarios were given to run');
    const setup = javaSetup(ctx);
    const argFile = join(ctx.reportDir, 'junit5-args.txt');
    const args = [
      '--disable-banner',
      '--disable-ansi-colors',
      '--details=tree',
      `--class-path=${setup.classPath.join(':')}`,
      `--reports-dir=${join(ctx.reportDir, REPORTS)}`,
      '--config=junit.platform.output.capture.stdout=true',
      '--config=junit.platform.output.capture.stderr=true',
      ...[...new Set(scenarios.map(selectorOf))],
    ];
    // The console launcher reads options from an argument file (picocli): no argv length limit.
    writeFileSync(argFile, args.map((a) => `"${a.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join('\n'));
    const run = ['java', '-jar', setup.launcher, `@${argFile}`].map(shellQuote).join(' ');
    return { command: [setup.compile, `exec ${run}`].filter((c) => c !== null).join(' && '), args: [], cwd: ctx.cwd, env: { ...ctx.env }, shell: true };
  },

  workerCommand(ctx) {
    return workerFlag(ctx.options, 'junit5') ? junit5WorkerCommand(ctx) : null;
  },

  workerBatch(_ctx, scenarios) {
    // `--select-method=X` becomes `method:X`, `--select-class=X` becomes `class:X`.
    return { selectors: [...new Set(scenarios.map(selectorOf))].map((s) => s.replace(/^--select-(method|class)=/, '$1:')) };
  },

  async parseRun(ctx, scenarios, output) {
    explainFailure(output);
    const cases = await readLegacyReports(join(ctx.reportDir, REPORTS), output);
    return attachArtifacts(ctx, junit5Reports(scenarios, cases));
  },
};

/** The JDK missing, or the sources not compiling: AdapterError before any report is looked for. */
function explainFailure(output: ProcessOutput): void {
  const tail = output.stderr.trim().slice(-1500);
  if (output.exitCode === 127) throw new AdapterError('framework_missing', `java or javac is not installed (apt-get install default-jdk-headless): ${tail}`);
  if (/^\S+\.java:\d+: error: /m.test(output.stderr)) throw new AdapterError('bad_options', `javac could not compile the sources: ${tail}`);
}

