#!/usr/bin/env node
// @ts-check
/**
 * What queue mode saves a Vitest suite: one test of examples/demo/vitest run as a one-shot
 * `vitest run` (what a job costs in a process of its own) against the same test sent as a batch
 * to a warm Vitest worker (options.worker: true), through the agent's own process runner and
 * worker code.
 *
 *   npm run build && node bench/vitest-worker.mjs [--runs 10]
 *
 * Prints the median wall clock of each; the worker's first batch includes its start-up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fx, int, machineLoad, runBench } from './harness.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = int(flags.runs, 'runs');
const { vitestAdapter } = await import(join(REPO, 'dist/adapters/vitest.js'));
const { FrameworkWorker } = await import(join(REPO, 'dist/agent/framework-worker.js'));
const { runProcess } = await import(join(REPO, 'dist/agent/process-runner.js'));

const cwd = join(REPO, 'examples/demo/vitest');
const scenarios = [{ key: 'price.test.ts > price > formats euros', file: 'price.test.ts', path: ['price', 'formats euros'] }];
// The agent's environment: nothing of a Vitest this script might run under.
const env = /** @type {Record<string, string>} */ (Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('VITEST'))));
const context = () => ({ cwd, reportDir: mkdtempSync(join(tmpdir(), 'proctor-bench-vitest-')), env: {}, options: { worker: true } });
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main() {
  const load = machineLoad();
  const oneShot = [];
  for (let i = 0; i < RUNS; i++) {
    const ctx = context();
    const spec = vitestAdapter.runCommand(ctx, scenarios);
    const t0 = performance.now();
    const r = await runProcess({ ...spec, env: { ...env, ...spec.env }, timeoutMs: 60_000 });
    oneShot.push(performance.now() - t0);
    if ((await vitestAdapter.parseRun(ctx, scenarios, r))[0]?.outcome !== 'passed') throw new Error('the one-shot run did not pass the test');
  }
  const spec = vitestAdapter.workerCommand(context());
  const worker = FrameworkWorker.start({ ...spec, env: { ...env, ...spec.env } });
  if (!(worker instanceof FrameworkWorker)) throw new Error(worker.spawnError);
  const batches = [];
  try {
    for (let i = 0; i <= RUNS; i++) {
      const ctx = context();
      const t0 = performance.now();
      const r = await worker.run({ job: i + 1, report_dir: ctx.reportDir, files: ['price.test.ts'], scenarios, ...vitestAdapter.workerBatch(ctx, scenarios) }, { timeoutMs: 60_000 });
      batches.push(performance.now() - t0);
      if ((await vitestAdapter.parseRun(ctx, scenarios, r))[0]?.outcome !== 'passed') throw new Error('the worker did not pass the test');
    }
  } finally {
    await worker.close();
  }
  const later = batches.slice(1);
  process.stdout.write(
    [
      `Vitest queue mode, one test of examples/demo/vitest, ${RUNS} runs each (${load})`,
      `  one-shot vitest run:             median ${fx(median(oneShot), 0)} ms`,
      `  worker, first batch (start-up):  ${fx(batches[0] ?? NaN, 0)} ms`,
      `  worker, later batches:           median ${fx(median(later), 0)} ms  (${fx(median(oneShot) / median(later), 1)}× faster per job)`,
      '',
    ].join('\n'),
  );
}

await runBench(120, main);
