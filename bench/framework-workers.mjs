#!/usr/bin/env node
// @ts-check
/**
 * What queue mode saves a job, per framework with a worker Proctor provides: one passing test of
 * an example suite run as a one-shot process (what a job costs in a process of its own) against
 * the same test sent as a batch to a warm worker (options.worker: true), through the agent's own
 * process runner and worker code.
 *
 *   npm run build && node bench/framework-workers.mjs [--runs 10] [--frameworks vitest,jest,pytest,junit5]
 *   node bench/framework-workers.mjs --memory 300      # and each worker's memory over 300 batches
 *
 * Prints the median wall clock of each; the worker's first batch includes its start-up. With
 * --memory N, one worker per framework then runs N batches, and the resident memory of its
 * process group is printed every 50 (what the agent's worker replacement after 100 batches bounds).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fx, int, log, machineLoad, runBench } from './harness.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    frameworks: { type: 'string', default: 'vitest,jest,pytest,junit5' },
    memory: { type: 'string', default: '0' },
  },
});
const RUNS = int(flags.runs, 'runs');
const MEMORY_BATCHES = int(flags.memory, 'memory', 0);
const { getAdapter } = await import(join(REPO, 'dist/adapters/registry.js'));
const { FrameworkWorker } = await import(join(REPO, 'dist/agent/framework-worker.js'));
const { runProcess } = await import(join(REPO, 'dist/agent/process-runner.js'));

/** Each framework's example suite and a test of it that passes. */
const SUITES = {
  vitest: { dir: 'examples/demo/vitest', test: 'price.test.ts > price > formats euros', env: {} },
  jest: { dir: 'examples/jest', test: 'cart.test.js > cart > adding items > starts empty', env: {} },
  pytest: { dir: 'examples/pytest', test: 'tests/test_math.py > test_adds', env: {} },
  junit5: { dir: 'examples/junit5', test: 'com.example.CalculatorTest > addsTwoNumbers()', env: {} },
};
// The agent's environment: nothing of a Vitest this script might run under.
const agentEnv = /** @type {Record<string, string>} */ (
  Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_ENV'),
  )
);
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** @param {string} framework */
async function measure(framework) {
  const suite = SUITES[/** @type {keyof typeof SUITES} */ (framework)];
  if (!suite) throw new Error(`--frameworks: no example suite for "${framework}" (${Object.keys(SUITES).join(', ')})`);
  const adapter = getAdapter(framework);
  const cwd = join(REPO, suite.dir);
  const context = () => ({
    cwd,
    reportDir: mkdtempSync(join(tmpdir(), `proctor-bench-${framework}-`)),
    env: suite.env,
    options: { worker: true },
  });
  const [file, ...path] = suite.test.split(' > ');
  const scenarios = [{ key: suite.test, file, path }];
  /** @param {any} ctx @param {any} output */
  const check = async (ctx, output, what) => {
    const outcome = (await adapter.parseRun(ctx, scenarios, output))[0]?.outcome;
    if (outcome !== 'passed')
      throw new Error(
        `${framework}: ${suite.test} did not pass ${what} (${outcome ?? 'not reported'}): ${output.stdout}${output.stderr}`,
      );
  };
  const oneShot = [];
  for (let i = 0; i < RUNS; i++) {
    const ctx = context();
    const spec = adapter.runCommand(ctx, scenarios);
    const t0 = performance.now();
    const output = await runProcess({ ...spec, env: { ...agentEnv, ...spec.env }, timeoutMs: 60_000 });
    oneShot.push(performance.now() - t0);
    await check(ctx, output, 'in a one-shot run');
  }
  const spec = adapter.workerCommand(context());
  const worker = FrameworkWorker.start({ ...spec, env: { ...agentEnv, ...spec.env } });
  if (!(worker instanceof FrameworkWorker)) throw new Error(worker.spawnError);
  const batches = [];
  try {
    for (let i = 0; i <= RUNS; i++) {
      const ctx = context();
      const t0 = performance.now();
      const output = await worker.run(
        { job: i + 1, report_dir: ctx.reportDir, files: [file], scenarios, ...adapter.workerBatch?.(ctx, scenarios) },
        { timeoutMs: 60_000 },
      );
      batches.push(performance.now() - t0);
      await check(ctx, output, 'in the worker');
    }
  } finally {
    await worker.close();
  }
  const later = median(batches.slice(1));
  const line = `  ${framework.padEnd(7)} one-shot ${fx(median(oneShot), 0).padStart(5)} ms   worker: first batch ${fx(batches[0] ?? NaN, 0).padStart(5)} ms, later ${fx(later, 0).padStart(4)} ms   (${fx(median(oneShot) / later, 1)}× faster per job)`;
  return MEMORY_BATCHES > 0 ? `${line}\n${await memory(spec, context, file, scenarios, adapter)}` : line;
}

/**
 * Resident memory of a worker's process group over MEMORY_BATCHES batches.
 * @param {any} spec @param {() => any} context @param {string} file @param {any[]} scenarios @param {any} adapter
 */
async function memory(spec, context, file, scenarios, adapter) {
  const worker = FrameworkWorker.start({ ...spec, env: { ...agentEnv, ...spec.env } });
  if (!(worker instanceof FrameworkWorker)) throw new Error(worker.spawnError);
  const samples = [];
  let group = 0;
  try {
    for (let i = 1; i <= MEMORY_BATCHES; i++) {
      const ctx = context();
      const output = await worker.run(
        { job: i, report_dir: ctx.reportDir, files: [file], scenarios, ...adapter.workerBatch?.(ctx, scenarios) },
        { timeoutMs: 60_000 },
      );
      rmSync(ctx.reportDir, { recursive: true, force: true });
      // The worker's closing line names its pid; its process group is the worker's own.
      group ||= processGroupOf(Number(/pid (\d+)/.exec(output.stdout)?.[1] ?? NaN));
      if (i === 1 || i % 50 === 0) samples.push(`${i}: ${fx(groupRssMb(group), 0)}`);
    }
  } finally {
    await worker.close();
  }
  return `          resident memory of the worker's processes (MB) after batch ${samples.join(', ')}`;
}

/** @param {number} pid */
function processGroupOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** @param {number} group */
function groupRssMb(group) {
  let pages = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === group)
        pages += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      // gone meanwhile
    }
  }
  return (pages * 4096) / 1024 / 1024;
}

async function main() {
  const load = machineLoad();
  const lines = [];
  for (const framework of String(flags.frameworks).split(',')) {
    log(`${framework}: ${RUNS} one-shot runs, then ${RUNS + 1} batches to one worker`);
    lines.push(await measure(framework));
  }
  process.stdout.write([`Queue mode: one passing test per job, median of ${RUNS} (${load})`, ...lines, ''].join('\n'));
}

await runBench(300, main);
