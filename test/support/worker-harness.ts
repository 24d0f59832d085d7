import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioFiles } from '../../src/adapters/scenario-files.js';
import type { Adapter, AdapterContext, ScenarioRef, TestReport } from '../../src/adapters/types.js';
import { FrameworkWorker } from '../../src/agent/framework-worker.js';
import type { RunProcessResult } from '../../src/agent/process-runner.js';

/** Queue-mode workers started by tests, for an afterEach to close. */
export const startedWorkers: FrameworkWorker[] = [];

/** Starts the adapter's worker the way the agent does (the agent's environment under the spec's). */
export function startWorker(adapter: Adapter, ctx: AdapterContext): FrameworkWorker {
  const spec = adapter.workerCommand?.(ctx);
  if (!spec) throw new Error(`${adapter.framework} has no worker command for these options`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_ENV') env[k] = v;
  const worker = FrameworkWorker.start({
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env: { ...env, ...spec.env },
    graceMs: 2000,
    ...(spec.shell ? { shell: true } : {}),
  });
  if (!(worker instanceof FrameworkWorker)) throw new Error(worker.spawnError);
  startedWorkers.push(worker);
  return worker;
}

let jobs = 0;
/** Sends one batch as the agent's runBatch does, with a fresh report directory; returns its context and output. */
export async function runWorkerBatch(
  worker: FrameworkWorker,
  adapter: Adapter,
  base: AdapterContext,
  refs: ScenarioRef[],
): Promise<{ ctx: AdapterContext; result: RunProcessResult }> {
  const ctx = { ...base, reportDir: await mkdtemp(join(tmpdir(), `proctor-${adapter.framework}-batch-`)) };
  const scenarios = refs.map(({ key, file, path }) => ({ key, file, path }));
  const request = {
    job: ++jobs,
    report_dir: ctx.reportDir,
    files: scenarioFiles(scenarios),
    scenarios,
    ...adapter.workerBatch?.(ctx, scenarios),
  };
  const result = await worker.run(request, { timeoutMs: 60_000 });
  return { ctx, result };
}

/**
 * Sends the batches one after another, each of which must end as a batch does (the worker lives
 * on) and be reported scenario for scenario; returns the reports and the pids the worker's
 * closing lines (`closingLine`, the pid its first group) named.
 */
export async function runBatches(
  worker: FrameworkWorker,
  adapter: Adapter,
  base: AdapterContext,
  batches: ScenarioRef[][],
  closingLine: RegExp,
): Promise<{ reports: TestReport[]; pids: Set<number> }> {
  const reports: TestReport[] = [];
  const pids = new Set<number>();
  for (const batch of batches) {
    const { ctx, result } = await runWorkerBatch(worker, adapter, base, batch);
    const ended = {
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      cancelled: result.cancelled,
    };
    if (JSON.stringify(ended) !== JSON.stringify({ exitCode: null, signal: null, timedOut: false, cancelled: false })) {
      throw new Error(
        `the batch did not end as a batch does: ${JSON.stringify(ended)}\n${result.stdout}${result.stderr}`,
      );
    }
    const got = await adapter.parseRun(ctx, batch, result);
    const [want, have] = [batch.map((s) => s.key).sort(), got.map((r) => r.key).sort()];
    if (JSON.stringify(want) !== JSON.stringify(have))
      throw new Error(`reported ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
    reports.push(...got);
    pids.add(Number(closingLine.exec(result.stdout)?.[1]));
  }
  return { reports, pids };
}
