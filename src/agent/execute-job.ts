import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { getAdapter } from '../adapters/registry.js';
import { markRunStart } from '../adapters/artifacts.js';
import { scenarioFiles } from '../adapters/scenario-files.js';
import {
  AdapterError,
  type Adapter,
  type AdapterContext,
  type CommandSpec,
  type DiscoveredScenario,
  type ProcessOutput,
  type ScenarioRef,
  type TestArtifact,
} from '../adapters/types.js';
import { capCompletion } from '../domain/cap-completion.js';
import { OutboundRefusedError } from '../domain/outbound-target.js';
import { plural } from '../domain/plural.js';
import type { ClaimedJob, CompleteRequest } from '../protocol/agent-api.js';
import { appBuildEnv, type AppBuildSource } from './app-build.js';
import { checkoutRepo } from './checkout.js';
import { cachedDiscovery, discoveryFingerprint, keepDiscovery } from './discovery-cache.js';
import { jobPolicy } from './job-policy.js';
import { agentJobEnvironment } from './job-environment.js';
import { artifactProblem, giveToJobUser, workdirProblem, type JobSandbox } from './job-sandbox.js';
import { makeMasker } from './mask.js';
import { FrameworkWorker } from './framework-worker.js';
import { runProcess, type RunProcessResult } from './process-runner.js';
import { workerKey, type WorkerSlot } from './worker-slot.js';

export interface ExecuteOptions {
  /** Directory plan workdirs are resolved against; checkouts are made below it. */
  workRoot: string;
  /** Where and as whom the job may run, and the environment it starts from; default: {@link defaultSandbox}. */
  sandbox?: JobSandbox;
  /** Aborted when the job is cancelled or its lease is lost. */
  signal: AbortSignal;
  /** SIGTERM → SIGKILL grace for the framework process. */
  graceMs?: number;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Where the job's app build is downloaded from (the agent's server client). */
  appBuilds?: AppBuildSource;
  /** Uploads a file a test produced, before the job's report directory is removed. */
  uploadArtifact?: (scenarioKey: string, artifact: TestArtifact) => Promise<void>;
  /** The slot's warm worker, for plans in queue mode; without it every job starts its own process. */
  worker?: WorkerSlot;
  /** Called once the worker is done with this job's batch (before its report is read): the slot's next batch may go. */
  onWorkerFree?: () => void;
  /**
   * Where discoveries are kept for reuse while nothing they depend on changed (see
   * discovery-cache.ts); without it every discovery runs the framework.
   */
  discoveryCache?: string;
  /**
   * Settles when the slot is free for this job (the batch ahead of it is done). The job gets
   * ready meanwhile (working directory, report directory, app build) and starts its tests after.
   */
  turn?: Promise<void>;
}

const OUTPUT_CAP = 1024 * 1024;

/** A remote agent's: its own environment (Proctor's variables left out), jobs inside its work directory, as its own user. */
export function defaultSandbox(workRoot: string): JobSandbox {
  return { env: agentJobEnvironment(process.env), roots: [workRoot], forbidden: [] };
}

const sandboxOf = (opts: ExecuteOptions): JobSandbox => opts.sandbox ?? defaultSandbox(opts.workRoot);

/**
 * Runs one claimed job to its end and says how it ended, as the completion the server expects.
 * Never throws for anything the job's own configuration or framework did: those become an
 * `errored` completion with a reason the user can act on.
 */
export async function executeJob(job: ClaimedJob, opts: ExecuteOptions): Promise<CompleteRequest> {
  let started = Date.now();
  const mask = makeMasker(job.environment.secrets.map((s) => job.environment.variables[s] ?? ''));
  const base = { lease_token: job.lease_token };
  let reportDir: string | undefined;
  try {
    const cwd = await workingDirectory(job, opts);
    reportDir = await mkdtemp(join(tmpdir(), `proctor-job-${job.job_id}-`));
    await giveToJobUser(reportDir, sandboxOf(opts));
    const adapter = getAdapter(job.framework);
    const ctx: AdapterContext = {
      cwd,
      reportDir,
      env: {
        ...job.environment.variables,
        ...job.parameters,
        PROCTOR_RUN_ID: String(job.run_id),
        PROCTOR_JOB_ID: String(job.job_id),
        PROCTOR_ENVIRONMENT: job.environment.name,
        // A discovery downloads no app, unless it runs the suite (see runSuite).
        ...(job.kind === 'execute' ? await appBuildEnv(job, opts) : {}),
      },
      options: job.options,
    };
    if (opts.turn) {
      await Promise.race([opts.turn, abortion(opts.signal)]);
      started = Date.now();
    }
    const done =
      job.kind === 'discover' ? await discover(adapter, ctx, job, opts) : await execute(adapter, ctx, job, opts);
    return maskCompletion({ ...base, ...done, duration_ms: Date.now() - started }, mask);
  } catch (e) {
    const reason =
      e instanceof AdapterError
        ? e.reason
        : e instanceof WorkdirError
          ? 'bad_options'
          : e instanceof CheckoutError
            ? 'checkout_failed'
            : e instanceof OutboundRefusedError
              ? 'bad_options'
              : 'crashed';
    // The outbound policy refuses the same URL again on another attempt.
    const retryable =
      (reason === 'crashed' || reason === 'checkout_failed') && !(e instanceof CheckoutError && e.refused);
    return maskCompletion(
      {
        ...base,
        outcome: 'errored',
        reason,
        retryable,
        error: (e as Error).message,
        duration_ms: Date.now() - started,
      },
      mask,
    );
  } finally {
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  }
}

class WorkdirError extends Error {}
class CheckoutError extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

async function workingDirectory(job: ClaimedJob, opts: ExecuteOptions): Promise<string> {
  let root = opts.workRoot;
  if (job.repo) {
    try {
      const sandbox = sandboxOf(opts);
      root = await checkoutRepo(opts.workRoot, job.repo, opts.signal, jobPolicy(job), {
        env: sandbox.env,
        user: sandbox.user,
        project: job.project_id,
      });
    } catch (e) {
      throw new CheckoutError(
        `checkout of ${job.repo.url}@${job.repo.ref} failed: ${(e as Error).message}`,
        e instanceof OutboundRefusedError,
      );
    }
  }
  const cwd = isAbsolute(job.workdir) ? job.workdir : resolve(root, job.workdir);
  if (!existsSync(cwd))
    throw new WorkdirError(
      `workdir "${job.workdir}" does not exist on this agent (looked in ${cwd}); fix the plan's workdir or start the agent with --workdir`,
    );
  // A checkout's workdir stays in the checkout; any other in the agent's work directory.
  const sandbox = sandboxOf(opts);
  const problem = await workdirProblem(cwd, job.repo ? { ...sandbox, roots: [root] } : sandbox);
  if (problem)
    throw new WorkdirError(
      `workdir "${job.workdir}" may not be used on this agent: ${problem}; give the plan a workdir inside it`,
    );
  return cwd;
}

type Completion = Omit<CompleteRequest, 'lease_token' | 'duration_ms'>;

async function run(spec: CommandSpec, job: ClaimedJob, opts: ExecuteOptions): Promise<RunProcessResult> {
  return runProcess({
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env: { ...sandboxOf(opts).env, ...spec.env },
    user: sandboxOf(opts).user,
    ...(spec.shell ? { shell: true } : {}),
    timeoutMs: job.timeout_ms,
    signal: opts.signal,
    graceMs: opts.graceMs ?? 1000,
    outputCapBytes: OUTPUT_CAP,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
  });
}

/** Hands the batch to the slot's worker for this run and environment, starting one if there is none. */
async function runBatch(
  slot: WorkerSlot,
  adapter: Adapter,
  spec: CommandSpec,
  ctx: AdapterContext,
  job: ClaimedJob,
  refs: ScenarioRef[],
  opts: ExecuteOptions,
): Promise<RunProcessResult & { workerStarted?: boolean }> {
  markRunStart(ctx);
  // The worker outlives this job: the job id comes with each batch instead.
  const { PROCTOR_JOB_ID: _job, ...env } = spec.env;
  const worker = await slot.acquire(workerKey(job), {
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env: { ...sandboxOf(opts).env, ...env, PROCTOR_WORKER: '1' },
    user: sandboxOf(opts).user,
    ...(spec.shell ? { shell: true } : {}),
    graceMs: opts.graceMs ?? 1000,
  });
  if (!(worker instanceof FrameworkWorker)) {
    return {
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      timedOut: false,
      cancelled: false,
      spawnError: worker.spawnError,
      durationMs: 0,
    };
  }
  const request = {
    job: job.job_id,
    report_dir: ctx.reportDir,
    files: scenarioFiles(refs),
    scenarios: refs,
    ...adapter.workerBatch?.(ctx, refs),
  };
  // A worker's first batch pays its start: once per slot, not per job or file.
  const workerStarted = worker.batches === 0;
  const result = await worker.run(request, {
    timeoutMs: job.timeout_ms,
    signal: opts.signal,
    outputCapBytes: OUTPUT_CAP,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
  });
  opts.onWorkerFree?.();
  return { ...result, workerStarted };
}

/** The process ended without the framework's own verdict: say why, or null when it ran to its end. */
function abnormalEnd(r: RunProcessResult, job: ClaimedJob): Completion | null {
  const output = combined(r);
  if (r.cancelled) return { outcome: 'cancelled', reason: 'cancelled', error: 'cancelled', output };
  if (r.timedOut)
    return {
      outcome: 'errored',
      reason: 'timeout',
      retryable: false,
      error: `job exceeded its timeout of ${Math.round(job.timeout_ms / 1000)}s; its process tree was killed`,
      output,
    };
  if (r.spawnError)
    return {
      outcome: 'errored',
      reason: 'spawn_failed',
      retryable: false,
      error: `could not start the framework: ${r.spawnError}`,
      output,
    };
  return null;
}

async function discover(
  adapter: Adapter,
  ctx: AdapterContext,
  job: ClaimedJob,
  opts: ExecuteOptions,
): Promise<Completion> {
  const spec = adapter.discoverCommand(ctx);
  const sandbox = sandboxOf(opts);
  const fingerprint =
    spec && opts.discoveryCache
      ? await discoveryFingerprint({
          cwd: ctx.cwd,
          framework: job.framework,
          options: job.options,
          env: { ...sandbox.env, ...spec.env },
          user: sandbox.user,
          skip: [join(opts.workRoot, 'checkouts')],
        })
      : null;
  if (fingerprint && opts.discoveryCache) {
    const kept = await cachedDiscovery(opts.discoveryCache, fingerprint);
    if (kept) {
      const output = `Discovery reused: ${plural(kept.scenarios.length, 'scenario')}, discovered at ${new Date(kept.discoveredAt).toISOString()}; nothing under ${ctx.cwd} has changed since (an agent started with --no-discovery-reuse discovers every time).\n`;
      opts.onOutput?.('stdout', output);
      return { outcome: 'completed', scenarios: kept.scenarios, output };
    }
  }
  // Kept under the fingerprint taken before the discovery ran: a discovery that writes into the
  // tree (a first install of a cache) is discovered once more, then reused.
  const keep = async (scenarios: DiscoveredScenario[]) => {
    if (fingerprint && opts.discoveryCache)
      await keepDiscovery(opts.discoveryCache, fingerprint, ctx.cwd, scenarios).catch(() => {});
  };
  // Offered to run the suite, with no discovery kept to answer from at once: run it.
  if (job.run_suite && adapter.suiteCommand && adapter.parseSuite && ctx.options.artifacts === undefined)
    return runSuite(adapter as SuiteAdapter, ctx, job, opts, keep);
  let out: ProcessOutput | null = null;
  let output = '';
  if (spec) {
    const r = await run(spec, job, opts);
    const abnormal = abnormalEnd(r, job);
    if (abnormal) return abnormal;
    out = r;
    output = combined(r);
  }
  const scenarios = await adapter.parseDiscovery(ctx, out);
  if (scenarios.length === 0)
    return { outcome: 'errored', reason: 'no_tests', retryable: false, error: `no tests found in ${ctx.cwd}`, output };
  await keep(scenarios);
  return { outcome: 'completed', scenarios, output };
}

type SuiteAdapter = Adapter & Required<Pick<Adapter, 'suiteCommand' | 'parseSuite'>>;

/**
 * A discovery offered to run the suite (queue/suite-run.ts): every test runs as the framework would
 * run them directly, and the completion names the scenarios with their results. A run that ends
 * without a report the adapter can read errs retryably, and the next attempt discovers instead.
 * (Artifacts are uploaded under a job's scenarios, which such a job does not know before it ends:
 * a plan that collects them discovers first.) The scenarios it ran are kept as its discovery, so
 * the next run of an unchanged tree starts from them.
 */
async function runSuite(
  adapter: SuiteAdapter,
  ctx: AdapterContext,
  job: ClaimedJob,
  opts: ExecuteOptions,
  keep: (scenarios: DiscoveredScenario[]) => Promise<void>,
): Promise<Completion> {
  const suiteCtx = { ...ctx, env: { ...ctx.env, ...(await appBuildEnv(job, opts)) } };
  const intro =
    '[proctor] This run has one environment, no selection and one slot: its tests run in this job, as the framework runs them directly, without a discovery first.\n';
  opts.onOutput?.('stdout', intro);
  const r = await run(adapter.suiteCommand(suiteCtx), job, opts);
  const output = intro + combined(r);
  const fallback = (why: string, reason: Completion['reason']): Completion => ({
    outcome: 'errored',
    reason,
    retryable: true,
    error: `running the whole suite failed (${why}); the next attempt discovers its tests first`,
    output,
  });
  const abnormal = abnormalEnd(r, job);
  if (abnormal)
    return abnormal.outcome === 'cancelled' ? abnormal : fallback(abnormal.error ?? 'no report', abnormal.reason);
  try {
    const { scenarios, results } = await adapter.parseSuite(suiteCtx, r);
    // What it ran is what its discovery lists (one report, read alike): kept as that discovery.
    await keep(scenarios);
    return {
      outcome: 'completed',
      exit_code: r.exitCode,
      scenarios,
      results: results.map(({ artifacts: _files, ...rest }) => rest),
      output,
    };
  } catch (e) {
    return fallback((e as Error).message, e instanceof AdapterError ? e.reason : 'crashed');
  }
}

async function execute(
  adapter: Adapter,
  ctx: AdapterContext,
  job: ClaimedJob,
  opts: ExecuteOptions,
): Promise<Completion> {
  // Cancelled before its turn: the slot's worker may still be busy with the job ahead; leave it be.
  if (opts.signal.aborted) return { outcome: 'cancelled', reason: 'cancelled', error: 'cancelled' };
  const refs = job.scenarios.map((s) => ({ key: s.key, file: s.file, path: s.path }));
  const workerSpec = opts.worker ? (adapter.workerCommand?.(ctx) ?? null) : null;
  const r: RunProcessResult & { workerStarted?: boolean } =
    opts.worker && workerSpec
      ? await runBatch(opts.worker, adapter, workerSpec, ctx, job, refs, opts)
      : await run(adapter.runCommand(ctx, refs), job, opts);
  const abnormal = abnormalEnd(r, job);
  if (abnormal) {
    // A timed-out run may still have reported some tests before it was killed: keep those.
    if (r.timedOut) abnormal.results = await adapter.parseRun(ctx, refs, r).catch(() => []);
    return abnormal;
  }
  const results = await adapter.parseRun(ctx, refs, r);
  await uploadArtifacts(results, [ctx.cwd, ctx.reportDir], opts);
  return {
    outcome: 'completed',
    exit_code: r.exitCode,
    results: results.map(({ artifacts: _files, ...rest }) => rest),
    output: combined(r),
    ...(r.workerStarted ? { worker_started: true } : {}),
  };
}

function combined(r: RunProcessResult): string {
  return [r.stdout, r.stderr].filter(Boolean).join(r.stdout.endsWith('\n') || !r.stdout ? '' : '\n');
}

function maskCompletion(c: CompleteRequest, mask: (s: string) => string): CompleteRequest {
  const m = (s: string | undefined) => (s === undefined ? undefined : mask(s));
  // Cut to the protocol's limits after masking (a secret cut in half would no longer be found).
  return capCompletion({
    ...c,
    ...(c.error !== undefined ? { error: m(c.error) } : {}),
    ...(c.output !== undefined ? { output: m(c.output) } : {}),
    ...(c.results
      ? {
          results: c.results.map((t) => ({
            ...t,
            ...(t.message !== undefined ? { message: m(t.message) } : {}),
            ...(t.stack !== undefined ? { stack: m(t.stack) } : {}),
            ...(t.stdout !== undefined ? { stdout: m(t.stdout) } : {}),
            ...(t.stderr !== undefined ? { stderr: m(t.stderr) } : {}),
          })),
        }
      : {}),
  });
}

/** Uploads every file the results list; one that fails to upload is noted, not fatal to the job. */
async function uploadArtifacts(
  results: { key: string; artifacts?: TestArtifact[] }[],
  dirs: string[],
  opts: ExecuteOptions,
): Promise<void> {
  if (!opts.uploadArtifact) return;
  for (const r of results) {
    for (const a of r.artifacts ?? []) {
      const problem = await artifactProblem(a.path, dirs, sandboxOf(opts)).catch((e: unknown) => (e as Error).message);
      if (problem) {
        opts.onOutput?.('stderr', `\n[proctor] artifact ${a.name} was not uploaded: ${problem}\n`);
        continue;
      }
      await opts
        .uploadArtifact(r.key, a)
        .catch((e: unknown) =>
          opts.onOutput?.('stderr', `\n[proctor] artifact ${a.name} was not uploaded: ${(e as Error).message}\n`),
        );
    }
  }
}

/** Settles when the signal aborts (never, if it does not). */
function abortion(signal: AbortSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
