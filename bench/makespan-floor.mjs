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
 *   - queue mode as Proctor runs it (a warm worker per slot, one scenario per batch, 8 ms a round
 *     trip, lookaheads while more is queued than twice what runs), and without lookaheads;
 *   - Proctor's batches with exact history.
 * and prints each makespan over the bound max(longest, total / 8) for seed 42 and as mean and p90
 * over the seeds. Without history no order is better than another in expectation, so one scenario
 * per dispatch at zero cost is the floor: when it is above the target, no batching policy meets it.
 */
import { parseArgs } from 'node:util';
import { batchScenarios } from '../dist/domain/batching.js';
import { drawDurations } from './durations.mjs';
import { fx, int } from './harness.mjs';

const { values: flags } = parseArgs({
  options: { seeds: { type: 'string', default: '200' }, 'job-overhead-ms': { type: 'string', default: '90' } },
});
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

/**
 * Queue mode: one scenario per batch to a warm worker. A batch costs a round trip of `roundTripMs`
 * (completion + claim) unless it came as a lookahead: each completion also claims the batch after
 * the slot's next one while more scenarios are queued than twice those running (the server's rule).
 * @param {number[]} ms @param {number[]} ids @param {number} roundTripMs
 */
function queueMode(ms, ids, roundTripMs) {
  /** Per slot: when its worker is free, and how many batches it holds (running + lookahead). */
  const slots = Array.from({ length: SLOTS }, () => ({ free: 0, held: 0 }));
  /** Requests in flight: a slot asks at `t`, the answer arrives `roundTripMs` later. */
  const asks = slots.map((_, i) => ({ t: 0, i }));
  const finishes = /** @type {number[]} */ ([]);
  let next = 0;
  while (asks.length > 0 && next < ids.length) {
    asks.sort((a, b) => a.t - b.t);
    const ask = /** @type {{ t: number, i: number }} */ (asks.shift());
    const slot = /** @type {{ free: number, held: number }} */ (slots[ask.i]);
    const at = ask.t + roundTripMs;
    const begin = Math.max(at, slot.free);
    slot.free = begin + (ms[ids[next++] ?? 0] ?? 0);
    finishes.push(slot.free);
    // Running now: batches begun or held and not finished by `at`.
    const running = finishes.filter((f) => f > at).length;
    const lookahead = ids.length - next > 2 * running;
    // With a lookahead the slot asks again as soon as this batch begins; without, when it ends.
    asks.push({ t: lookahead ? begin : slot.free, i: ask.i });
  }
  return Math.max(...finishes);
}

/** @type {Record<string, (ms: number[], ids: number[]) => number>} */
const policies = {
  [`Proctor batches, no history, ${OVERHEAD} ms/job`]: (ms, ids) =>
    listSchedule(
      batchScenarios(ids, () => 1000, { slots: SLOTS, overheadMs: 500 }),
      ms,
      OVERHEAD,
    ),
  'one scenario per dispatch, 0 ms each (the floor)': (ms, ids) =>
    listSchedule(
      ids.map((i) => [i]),
      ms,
      0,
    ),
  'one scenario per dispatch, 20 ms each': (ms, ids) =>
    listSchedule(
      ids.map((i) => [i]),
      ms,
      20,
    ),
  [`one scenario per dispatch, ${OVERHEAD} ms each`]: (ms, ids) =>
    listSchedule(
      ids.map((i) => [i]),
      ms,
      OVERHEAD,
    ),
  'queue mode: one scenario per batch, 8 ms round trip, lookahead': (ms, ids) => queueMode(ms, ids, 8),
  'queue mode without lookahead, 8 ms round trip': (ms, ids) =>
    listSchedule(
      ids.map((i) => [i]),
      ms,
      8,
    ),
  [`Proctor batches, exact history, ${OVERHEAD} ms/job`]: (ms, ids) =>
    listSchedule(
      batchScenarios(ids, (i) => ms[i] ?? 0, { slots: SLOTS, overheadMs: 500, packFirst: true }),
      ms,
      OVERHEAD,
    ),
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
process.stdout.write(
  `\nmakespan / bound on ${SLOTS} slots, bench/makespan.mjs's suite (simulated): seed 42, and mean / p90 over seeds 1–${SEEDS}\n`,
);
for (const name of Object.keys(policies)) {
  const xs = spread.map((r) => r[name] ?? NaN).sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(
    `  ${name.padEnd(64)} ${fx(at42[name] ?? NaN, 3)}   mean ${fx(mean, 3)}   p90 ${fx(xs[Math.ceil(0.9 * xs.length) - 1] ?? NaN, 3)}\n`,
  );
}
