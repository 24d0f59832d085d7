import type { TestOutcome } from '../protocol/statuses.js';

/**
 * An adapter knows one test framework: how to discover its scenarios, how to build the command that
 * runs a chosen set of them, and how to read back per-test results from the report it writes.
 * Adapters never spawn processes themselves: the agent runs every command they build under one
 * process runner (timeouts, cancel, output caps), and hands the captured output back to `parse*`.
 */
export interface Adapter {
  readonly framework: string;
  /** The command that lists the scenarios, or null when discovery needs no process (a glob). */
  discoverCommand(ctx: AdapterContext): CommandSpec | null;
  /** Reads the discovery command's output (or the file system when there was no command). */
  parseDiscovery(ctx: AdapterContext, output: ProcessOutput | null): Promise<DiscoveredScenario[]>;
  /** The command that runs exactly these scenarios and writes a report under `ctx.reportDir`. */
  runCommand(ctx: AdapterContext, scenarios: ScenarioRef[]): CommandSpec;
  /** Reads the report(s) the run command wrote. Throws AdapterError when the report is missing or malformed. */
  parseRun(ctx: AdapterContext, scenarios: ScenarioRef[], output: ProcessOutput): Promise<TestReport[]>;
  /**
   * The command that runs the whole suite as the framework would directly, writing the report
   * `parseSuite` reads: for a discovery offered to run the suite (see queue/suite-run.ts). Absent:
   * the adapter always discovers first.
   */
  suiteCommand?(ctx: AdapterContext): CommandSpec;
  /** The scenarios `suiteCommand` ran, keyed as `parseDiscovery` keys them, and their results. */
  parseSuite?(ctx: AdapterContext, output: ProcessOutput): Promise<SuiteReport>;
  /**
   * Queue mode: the command of a framework process that stays up and runs batch after batch (see
   * agent/framework-worker.ts for its protocol), or null when the plan's options do not ask for
   * one. Each batch writes the same report `runCommand` would, read back by `parseRun`.
   */
  workerCommand?(ctx: AdapterContext): CommandSpec | null;
  /**
   * Queue mode: what the adapter's own worker needs in a batch's line besides `job`, `report_dir`,
   * `files` and `scenarios` (Vitest's worker: the test name pattern and path filters `runCommand`
   * would pass).
   */
  workerBatch?(ctx: AdapterContext, scenarios: ScenarioRef[]): Record<string, unknown>;
}

export interface AdapterContext {
  /** Absolute working directory of the suite on the agent. */
  cwd: string;
  /** A fresh directory for this attempt's reports; removed by the agent afterwards. */
  reportDir: string;
  /** Environment variables handed to the framework: the environment's variables and run parameters. */
  env: Record<string, string>;
  /**
   * Adapter options from the plan (`command`, `discover`, `report` for the command adapter, …).
   * Every adapter honours `artifacts` (globs relative to cwd) and `artifacts_max_mb` (see
   * attachArtifacts).
   */
  options: Record<string, unknown>;
}

export interface CommandSpec {
  command: string;
  args: string[];
  cwd: string;
  /** Added to the agent's environment for this process. */
  env: Record<string, string>;
  /** Run through `/bin/sh -c` (the command adapter's templates); args are ignored then. */
  shell?: boolean;
}

export interface ProcessOutput {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A scenario as discovered: the stable key is `file > suite > title` (file relative to cwd, `/`-separated). */
export interface DiscoveredScenario {
  key: string;
  file: string;
  /** Suite titles and the test title, outermost first. Empty for file-level scenarios. */
  path: string[];
  tags: string[];
}

export interface ScenarioRef {
  key: string;
  file: string;
  path: string[];
}

/** What a run of the whole suite found: every scenario it ran, and their results. */
export interface SuiteReport {
  scenarios: DiscoveredScenario[];
  results: TestReport[];
}

/** One test as its framework reported it. `key` must equal the discovered key of the same test. */
export interface TestReport {
  key: string;
  file: string;
  path: string[];
  outcome: TestOutcome;
  durationMs: number;
  /** How many times the framework itself retried the test before this outcome. */
  retries?: number;
  message?: string;
  stack?: string;
  stdout?: string;
  stderr?: string;
  /**
   * Files the framework or the test wrote for this test (screenshots, videos, traces), as absolute
   * paths on the agent. The agent uploads them; adapters only list them.
   */
  artifacts?: TestArtifact[];
}

/** A file kept with a test's result. */
export interface TestArtifact {
  /** Absolute path on the agent. */
  path: string;
  /** What to call it: the framework's attachment name or the path relative to cwd. */
  name: string;
  contentType?: string;
}

/** A misconfiguration the user must fix: framework not installed, no tests, report missing or malformed. */
export class AdapterError extends Error {
  constructor(
    readonly reason: 'framework_missing' | 'no_tests' | 'report_missing' | 'report_malformed' | 'bad_options',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdapterError';
  }
}

/** Builds the stable key of a scenario (the rule, with tests that share a title, is in domain/scenario-key.ts). */
export { scenarioKey } from '../domain/scenario-key.js';
