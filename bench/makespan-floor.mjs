#!/usr/bin/env node
// @ts-check
/**
 * How close to the bound any scheduler can get on bench/makespan.mjs's suite without duration
 * history: a simulation, no server, no processes.
 *
 *   npm run build && node bench/makespan-floor.mjs [--seeds 200] [--job-overhead-ms 90]
 *
 * For the suite of bench/makespan.mjs (400 lognormal durations, median 110 ms, σ 1.1; seed 42,
 * and --seeds more seeds for the spread), on 8 slots, it list-schedules:
 *   - Proctor's batches without history (domain/batching.ts: every scenario looks the same), each
 *     job paying --job-overhead-ms (claim, process start, report; bench/makespan.mjs measures
 *     ≈ 90–125 ms a job here);
 *   - one scenario per dispatch, in the same order, at 0, 20 and --job-overhead-ms per dispatch:
 *     the best a scheduler that cannot tell long scenarios from short ones can do;
 *   - Proctor's batches with exact history.
 * and prints each makespan over the bound max(longest, total / 8) for seed 42 and as mean and p90
 * over the seeds. Without history no order is better than another in expectation, so one scenario
 * per dispatch at zero cost is the floor: when it is above the target, no batching policy meets it.
 */
import { parseArgs } from 'node:util';
import { batchScenarios } from '../dist/domain/batching.js';
import { drawDurations } from './durations.mjs';
import { fx, int } from './harness.mjs';

const { values: flags } = parseArgs({ options: { seeds: { type: 'string', default: '200' }, 'job-overhead-ms': { type: 'string', default: '90' } } });
const SEEDS = int(flags.seeds, 'seeds');
const OVERHEAD = int(flags['job-overhead-ms'], 'job-overhead-ms', 0);
const SLOTS = 8;

/** Makespan of jobs taken in order by the first free slot, each paying `overhead`. @param {number[][]} jobs @param {number[]} ms @param {number} overhead */
function listSchedule(jobs, ms, overhead) {
  const free = Array(SLOTS).fill(0);
  for (const job of jobs) {
    const i = free.indexOf(Math.min(...free));
    free[i] += overhead + job.reduce((sum, s) => sum + (ms[s] ?? 0), 0);
  }
  return Math.max(...free);
}

/** @type {Record<string, (ms: number[], ids: number[]) => number>} */
const policies = {
  [`Proctor batches, no history, ${OVERHEAD} ms/job`]: (ms, ids) => listSchedule(batchScenarios(ids, () => 1000, { slots: SLOTS, overheadMs: 500 }), ms, OVERHEAD),
  'one scenario per dispatch, 0 ms each (the floor)': (ms, ids) => listSchedule(ids.map((i) => [i]), ms, 0),
  'one scenario per dispatch, 20 ms each': (ms, ids) => listSchedule(ids.map((i) => [i]), ms, 20),
  [`one scenario per dispatch, ${OVERHEAD} ms each`]: (ms, ids) => listSchedule(ids.map((i) => [i]), ms, OVERHEAD),
  [`Proctor batches, exact history, ${OVERHEAD} ms/job`]: (ms, ids) =>
    listSchedule(batchScenarios(ids, (i) => ms[i] ?? 0, { slots: SLOTS, overheadMs: 500, packFirst: true }), ms, OVERHEAD),
};

/** @param {number} seed */
function ratios(seed) {
  const ms = drawDurations({ seed, scenarios: 400, medianMs: 110, sigma: 1.1, maxMs: 6000 });
  const bound = Math.max(Math.max(...ms), ms.reduce((a, b) => a + b, 0) / SLOTS);
  const ids = ms.map((_, i) => i);
  return Object.fromEntries(Object.entries(policies).map(([name, f]) => [name, f(ms, ids) / bound]));
}

const at42 = ratios(42);
const spread = Array.from({ length: SEEDS }, (_, i) => ratios(i + 1));
process.stdout.write(`\nmakespan / bound on ${SLOTS} slots, bench/makespan.mjs's suite (simulated): seed 42, and mean / p90 over seeds 1–${SEEDS}\n`);
for (const name of Object.keys(policies)) {
  const xs = spread.map((r) => r[name] ?? NaN).sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(`  ${name.padEnd(52)} ${fx(at42[name] ?? NaN, 3)}   mean ${fx(mean, 3)}   p90 ${fx(xs[Math.ceil(0.9 * xs.length) - 1] ?? NaN, 3)}\n`);
}
