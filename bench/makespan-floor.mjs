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
 *
 * Then the shapes of issue 18 (many short files, a heavy tail, node:test's process per file, a 2 s
 * start per job, two environments one 2× slower, tests in queue mode), each with its own costs per
 * job and per file, over seeds 1–100: Proctor's batches without history, the best guided
 * self-scheduling of the same order over a grid of its two parameters (the best no-history policy
 * of this family), a file per job, the static 8-shard split, and Proctor with one earlier run's
 * history, with and without the learnt job costs.
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

// ---------------------------------------------------------------- shapes (issue 18)

/**
 * Suites of other shapes, simulated: each a set of test files (`files` × `tests` each, lognormal
 * durations), what a job costs beyond its tests (`fixedMs` per job: a framework's or browser's
 * start; `perFileMs` per file: a process per file, per-file setup), and the environments' speeds.
 * Chosen before tuning (issue 18's list) and kept: a shape handled badly is a finding.
 * @typedef {{ name: string, files: number, tests: number, medianMs: number, sigma: number, maxMs: number,
 *   fixedMs: number, perFileMs: number, worker?: boolean, envs?: number[], tailShare?: number }} Shape
 * @type {Shape[]}
 */
const SHAPES = [
  {
    name: 'many short (400 files)',
    files: 400,
    tests: 1,
    medianMs: 110,
    sigma: 1.1,
    maxMs: 6000,
    fixedMs: 100,
    perFileMs: 0,
  },
  {
    name: 'heavy tail (one > total/8)',
    files: 120,
    tests: 1,
    medianMs: 300,
    sigma: 1,
    maxMs: 6000,
    fixedMs: 100,
    perFileMs: 0,
    tailShare: 1.3,
  },
  {
    name: 'node:test, a process per file',
    files: 120,
    tests: 1,
    medianMs: 800,
    sigma: 1,
    maxMs: 14_000,
    fixedMs: 150,
    perFileMs: 120,
  },
  {
    name: 'large fixed start (2 s a job)',
    files: 200,
    tests: 1,
    medianMs: 200,
    sigma: 1,
    maxMs: 6000,
    fixedMs: 2000,
    perFileMs: 0,
  },
  {
    name: 'two environments, one 2× slower',
    files: 200,
    tests: 1,
    medianMs: 150,
    sigma: 1.1,
    maxMs: 6000,
    fixedMs: 100,
    perFileMs: 0,
    envs: [1, 2],
  },
  {
    name: 'tests in queue mode (20 files × 20)',
    files: 20,
    tests: 20,
    medianMs: 50,
    sigma: 1.2,
    maxMs: 6000,
    fixedMs: 10,
    perFileMs: 40,
    worker: true,
  },
];
/** How much a test's duration varies from run to run (lognormal σ): history is one earlier run. */
const RUN_NOISE = 0.1;
const SHAPE_SEEDS = Math.min(SEEDS, 100);

/**
 * One draw of a shape: per environment, its tests (file, this run's duration, the earlier run's).
 * @param {Shape} shape @param {number} seed
 */
function drawShape(shape, seed) {
  const base = drawDurations({
    seed,
    scenarios: shape.files * shape.tests,
    medianMs: shape.medianMs,
    sigma: shape.sigma,
    maxMs: shape.maxMs,
  });
  if (shape.tailShare) base.push(Math.round((shape.tailShare * base.reduce((a, b) => a + b, 0)) / SLOTS));
  const files = shape.tailShare ? shape.files + 1 : shape.files;
  const noise = drawDurations({
    seed: seed + 10_000,
    scenarios: 2 * base.length * (shape.envs?.length ?? 1),
    medianMs: 1000,
    sigma: RUN_NOISE,
    maxMs: 1e9,
  });
  let k = 0;
  return (shape.envs ?? [1]).map((speed, env) =>
    base.map((ms, i) => ({
      id: env * base.length + i,
      env,
      file: `e${env}/f${Math.min(files - 1, Math.floor(i / shape.tests))}`,
      now: (ms * speed * (noise[k++] ?? 1000)) / 1000,
      before: (ms * speed * (noise[k++] ?? 1000)) / 1000,
    })),
  );
}

/** A job's wall: its fixed cost, each file's, its tests'. @param {Shape} shape @param {{ file: string, now: number }[]} job */
const jobMs = (shape, job) =>
  shape.fixedMs + new Set(job.map((t) => t.file)).size * shape.perFileMs + job.reduce((a, t) => a + t.now, 0);

/** Jobs taken in order by the first free slot. @param {Shape} shape @param {{ file: string, now: number }[][]} jobs */
function simulate(shape, jobs) {
  const free = Array(SLOTS).fill(0);
  for (const job of jobs) {
    const i = free.indexOf(Math.min(...free));
    free[i] += jobMs(shape, job);
  }
  return Math.max(...free);
}

/**
 * Proctor's batches (domain/batching.ts as queue/environment-work.ts calls it), per environment in
 * turn: without history every test is expected at the 1 s default and a job's cost is the
 * configured 500 ms (5 ms for a warm worker); with history, the earlier run's durations and the
 * costs learnt from its jobs (or, `costs: false`, without them).
 * @param {Shape} shape @param {ReturnType<typeof drawShape>} envs @param {'none' | 'history' | 'history, no costs'} known
 */
function proctorJobs(shape, envs, known) {
  const learnt = known === 'history';
  return envs.flatMap((tests) => {
    const byId = new Map(tests.map((t) => [t.id, t]));
    return batchScenarios(
      tests.map((t) => t.id),
      (id) => (known === 'none' ? 1000 : (byId.get(id)?.before ?? 0)),
      {
        slots: SLOTS,
        overheadMs: learnt ? shape.fixedMs : shape.worker ? 5 : 500,
        groupCostMs: learnt ? shape.perFileMs : 0,
        packFirst: known !== 'none',
        singles: shape.worker === true && known === 'none',
        group: (id) => byId.get(id)?.file ?? '',
        noise: RUN_NOISE,
        maxBatchMs: 15 * 60_000,
      },
    ).map((batch) => batch.map((id) => /** @type {(typeof tests)[number]} */ (byId.get(id))));
  });
}

/** Files in Proctor's no-history order (most tests first, then as discovered). @param {ReturnType<typeof drawShape>[number]} tests */
function filesInOrder(tests) {
  /** @type {Map<string, typeof tests>} */
  const files = new Map();
  for (const t of tests) files.set(t.file, [...(files.get(t.file) ?? []), t]);
  return [...files.values()].sort((a, b) => b.length - a.length);
}

/**
 * A no-history guided self-scheduling of the same order with its parameters: each job takes
 * max(ceil(files left / (divisor × slots)), minFiles) files.
 * @param {ReturnType<typeof drawShape>} envs @param {number} divisor @param {number} minFiles
 */
function gssJobs(envs, divisor, minFiles) {
  return envs.flatMap((tests) => {
    const files = filesInOrder(tests);
    const jobs = [];
    for (let i = 0; i < files.length; ) {
      const n = Math.max(minFiles, Math.ceil((files.length - i) / (divisor * SLOTS)));
      jobs.push(files.slice(i, i + n).flat());
      i += n;
    }
    return jobs;
  });
}

/** The static split a CI would run: per environment, SLOTS contiguous shards of files. @param {ReturnType<typeof drawShape>} envs */
function staticJobs(envs) {
  return envs.flatMap((tests) => {
    /** @type {string[]} */
    const names = [...new Set(tests.map((t) => t.file))];
    const size = Math.ceil(names.length / SLOTS);
    return Array.from({ length: SLOTS }, (_, i) => new Set(names.slice(i * size, (i + 1) * size)))
      .map((chunk) => tests.filter((t) => chunk.has(t.file)))
      .filter((job) => job.length > 0);
  });
}

/** max(longest file with its costs, all work with one start per slot / slots). @param {Shape} shape @param {ReturnType<typeof drawShape>} envs */
function shapeBound(shape, envs) {
  const files = envs.flatMap(filesInOrder).map((f) => shape.perFileMs + f.reduce((a, t) => a + t.now, 0));
  return Math.max(shape.fixedMs + Math.max(...files), shape.fixedMs + files.reduce((a, b) => a + b, 0) / SLOTS);
}

const GSS_GRID = [1, 1.5, 2, 3, 4, 6, 8].flatMap((divisor) => [1, 2, 4, 8].map((minFiles) => ({ divisor, minFiles })));
const meanOf = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p90Of = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.ceil(0.9 * xs.length) - 1] ?? NaN;

process.stdout.write(
  `\nshapes (issue 18), simulated on ${SLOTS} slots over seeds 1–${SHAPE_SEEDS}: makespan / bound, mean (p90); bound = max(longest file + its costs, all work / slots) + one job start; history = one earlier run, durations varying ±${RUN_NOISE * 100} % between runs\n`,
);
const header = [
  'shape',
  'Proctor, none',
  'best no-history GSS (÷, min files)',
  'a file per job',
  'static 8',
  'Proctor, history',
  'history, costs not learnt',
];
process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|\n`);
for (const shape of SHAPES) {
  const draws = Array.from({ length: SHAPE_SEEDS }, (_, i) => {
    const envs = drawShape(shape, i + 1);
    return { envs, bound: shapeBound(shape, envs) };
  });
  /** @param {(envs: ReturnType<typeof drawShape>) => { file: string, now: number }[][]} jobsOf */
  const ratiosOf = (jobsOf) => draws.map((d) => simulate(shape, jobsOf(d.envs)) / d.bound);
  const cell = (/** @type {number[]} */ xs) => `${fx(meanOf(xs), 3)} (${fx(p90Of(xs), 3)})`;
  const best = GSS_GRID.map((p) => ({ p, xs: ratiosOf((envs) => gssJobs(envs, p.divisor, p.minFiles)) })).reduce(
    (a, b) => (meanOf(b.xs) < meanOf(a.xs) ? b : a),
  );
  const row = [
    shape.name,
    cell(ratiosOf((envs) => proctorJobs(shape, envs, 'none'))),
    `${cell(best.xs)} (÷${best.p.divisor}, ≥${best.p.minFiles})`,
    cell(ratiosOf((envs) => envs.flatMap(filesInOrder))),
    cell(ratiosOf(staticJobs)),
    cell(ratiosOf((envs) => proctorJobs(shape, envs, 'history'))),
    cell(ratiosOf((envs) => proctorJobs(shape, envs, 'history, no costs'))),
  ];
  process.stdout.write(`| ${row.join(' | ')} |\n`);
}
