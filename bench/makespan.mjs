#!/usr/bin/env node
// @ts-check
/**
 * Makespan of runs against the physical limit, on suites of several shapes, with real agents
 * running real test processes (issue 18, "a bench of shapes").
 *
 *   npm run build && node bench/makespan.mjs                 # every shape (≈ 15 min on 2 cores)
 *   node bench/makespan.mjs --shapes heavy-tail,two-envs     # some shapes
 *   node bench/makespan.mjs --modes queue                    # queue mode only, where a shape has it
 *   node bench/makespan.mjs --framework node-test --scenarios 100   # one custom many-short suite
 *   node bench/makespan.mjs --bin /tmp/build/dist/main.js --server-node-arg=--cpu-prof --agent-node-arg=--cpu-prof
 *
 * The shapes (bench/makespan-shapes.mjs; seeds and parameters are constants, chosen before any run):
 *   many-short       400 sleep scenarios, lognormal (median 110 ms, σ 1.1, seed 42): ≈ 77 s of work
 *   heavy-tail       120 lognormal scenarios (median 300 ms, σ 1.0, seed 7) and one of 1.3 × total / 8
 *   node-test-files  120 node:test files of one test (seed 18), 160 s of work: a process per file
 *   fixed-start      200 scenarios (seed 4) whose every job process sleeps 2 s first (once per worker)
 *   two-envs         200 scenarios (seed 5) in two environments, the second's sleeps 2× as long
 *   queue-tests      16 Vitest files of 10–50 sleeping tests (seed 6), queue mode: scenarios are tests
 * --shapes all (default) runs them all; --scenarios, --seed, --median-ms, --sigma and --framework
 * (command or node-test) make a `custom` many-short suite, run alone unless --shapes names more.
 *
 * What it does:
 *   1. writes each shape's suite under one directory, and calibrates each framework alone: the wall
 *      and CPU time of a job process with one empty file, and of each further file (CPU from this
 *      process's children's times, so a process per file counts);
 *   2. starts `proctor serve --no-local-agent` and --agents (2) `proctor agent` processes with
 *      --slots (4) each, and applies one plan per shape and mode (environments: `local`, or `fast`
 *      and `slow`, whose variable SLEEP_FACTOR=2 the runners multiply every sleep by);
 *   3. per shape and mode (`queue`: a warm worker per slot takes batch after batch; `process`: a
 *      process per job), after warm-up runs of one empty file, runs the plan twice: (a) without
 *      history, (b) with the history of (a); then reads the plan's learnt job costs (`job_costs`
 *      of GET /api/v1/plans/:plan/history). Every run has a time limit (6 × the bound, at least 60 s);
 *      a run past it is cancelled and counted as a miss;
 *   4. runs the static split a CI would: per environment, the sorted file list cut into contiguous
 *      chunks of equal count, one process per chunk, --agents × --slots (8) processes at once;
 *   5. prints per shape the bound and what sets it, max(longest file, total / slots, least CPU /
 *      cores), plus the start every job process sleeps (fixed-start); each run's wall, its ratio to
 *      the bound, and where the gap went (job overhead, prelude, idle slots, tail; the opening jobs'
 *      work and wall; when the longest scenario started; the CPU the job processes and the machine
 *      used); the learnt job costs; the static split's ratio; then a table of shape × (no history,
 *      with history, static split), with the load average (other work on the machine skews every
 *      figure).
 *
 * Targets (issues 3 and 18): with history ≤ 1.05 × the bound; without and with history ahead of the
 * static split. Exit code 0 when every shape's figures were measured (PASS or MISS), 1 on an error
 * or the bench's --time-limit (default 1500 s).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  bound,
  buildShapes,
  calibrate,
  childrenCpuMs,
  drawnUnits,
  minimumCpuMs,
  planOptions,
  runCommand,
  VITEST_BIN,
  writeSuite,
} from './makespan-shapes.mjs';
import {
  adminToken,
  childEnv,
  client,
  fx,
  int,
  log,
  onCleanup,
  runBench,
  sleep,
  spawnChild,
  startServer,
  tempDir,
  verdict,
} from './harness.mjs';

/** @typedef {import('./makespan-shapes.mjs').Shape} Shape @typedef {import('./makespan-shapes.mjs').Mode} Mode */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_HISTORY = 1.05;
const SHAPE_ORDER = ['many-short', 'heavy-tail', 'node-test-files', 'fixed-start', 'two-envs', 'queue-tests'];
const CUSTOM_FLAGS = ['scenarios', 'seed', 'median-ms', 'sigma', 'framework'];

const { values: flags } = parseArgs({
  options: {
    shapes: { type: 'string' },
    scenarios: { type: 'string' },
    seed: { type: 'string' },
    'median-ms': { type: 'string' },
    sigma: { type: 'string' },
    framework: { type: 'string' },
    agents: { type: 'string', default: '2' },
    slots: { type: 'string', default: '4' },
    modes: { type: 'string', default: 'queue,process' },
    'database-url': { type: 'string' },
    bin: { type: 'string', default: join(REPO, 'dist', 'main.js') },
    'server-node-arg': { type: 'string', multiple: true, default: [] },
    'agent-node-arg': { type: 'string', multiple: true, default: [] },
    'time-limit': { type: 'string', default: '1500' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
  process.exit(0);
}
const framework = flags.framework ?? 'command';
if (framework !== 'command' && framework !== 'node-test')
  throw new Error(`--framework "${framework}": expected command or node-test`);
const SHAPES = buildShapes({
  scenarios: int(flags.scenarios ?? '400', 'scenarios'),
  seed: int(flags.seed ?? '42', 'seed', 0),
  medianMs: Number(flags['median-ms'] ?? 110),
  sigma: Number(flags.sigma ?? 1.1),
  framework,
});
const customGiven = CUSTOM_FLAGS.some((f) => /** @type {Record<string, unknown>} */ (flags)[f] !== undefined);
const shapeNames = (flags.shapes ?? (customGiven ? 'custom' : 'all'))
  .split(',')
  .flatMap((n) => (n === 'all' ? SHAPE_ORDER : [n]));
for (const n of shapeNames)
  if (!SHAPES[n]) throw new Error(`--shapes: "${n}" is none of ${[...SHAPE_ORDER, 'custom', 'all'].join(', ')}`);
const modes = String(flags.modes)
  .split(',')
  .map((m) => {
    if (m !== 'queue' && m !== 'process') throw new Error(`--modes: "${m}" is neither queue nor process`);
    return /** @type {Mode} */ (m);
  });
const opts = {
  shapes: [...new Set(shapeNames)].map((n) => /** @type {Shape} */ (SHAPES[n])),
  agents: int(flags.agents, 'agents'),
  slots: int(flags.slots, 'slots'),
  modes,
  databaseUrl: flags['database-url'],
  bin: resolve(String(flags.bin)),
  serverNodeArgs: /** @type {string[]} */ (flags['server-node-arg']),
  agentNodeArgs: /** @type {string[]} */ (flags['agent-node-arg']),
  timeLimitS: int(flags['time-limit'], 'time-limit'),
};
const SLOTS = opts.agents * opts.slots;
const CORES = availableParallelism();
/** A shape's modes that --modes keeps (a shape without any of them runs its own). @param {Shape} s */
const modesOf = (s) => {
  const kept = s.modes.filter((m) => opts.modes.includes(m));
  return kept.length > 0 ? kept : s.modes;
};

/** The measured run in progress, cancelled at cleanup (0: none). */
const active = { runId: 0 };
const TOKEN = adminToken();

// ---------------------------------------------------------------- machine figures

/** `uptime`'s load averages, e.g. "3.12, 2.80, 2.41". */
function loadAverages() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ');
  } catch {
    return 'unknown';
  }
}
const load1 = () => Number(loadAverages().split(',')[0]);

/** Busy and total CPU time of the machine so far (ms, from /proc/stat). */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: ((total - idle) * 1000) / 100, total: (total * 1000) / 100 };
}

/** @param {number} pid */
function procTimes(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return {
      own: ((Number(f[11]) + Number(f[12])) * 1000) / 100,
      children: ((Number(f[13]) + Number(f[14])) * 1000) / 100,
    };
  } catch {
    return { own: 0, children: 0 };
  }
}

/** Processes whose working directory is `dir` or under it (only this bench's runners, workers and shards). @param {string} dir */
function processesUnder(dir) {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd.startsWith(`${dir}/`);
      } catch {
        return false; // gone already, or not ours to read
      }
    });
}

/**
 * CPU the job processes used so far (ms): the agents' reaped children, and every live process
 * under the suites' root with its own reaped children (a worker that lives on, a Vitest fork).
 * The difference of two readings is what ran between them.
 * @param {string} root @param {number[]} agentPids
 */
function jobsCpuMs(root, agentPids) {
  const live = processesUnder(root).reduce((s, pid) => {
    const t = procTimes(pid);
    return s + t.own + t.children;
  }, 0);
  return live + agentPids.reduce((s, pid) => s + procTimes(pid).children, 0);
}

// ---------------------------------------------------------------- server and agents

/**
 * Starts the agents with a registration token and waits until the server lists them all live.
 * @param {string} base @param {(...a: any[]) => Promise<any>} call @param {string} workdir
 */
async function startAgents(base, call, workdir) {
  const { secret } = await call('POST', '/api/v1/agents/tokens', { name: 'makespan-bench' }, 201);
  const pids = [];
  for (let i = 1; i <= opts.agents; i++) {
    const args = [
      ...opts.agentNodeArgs,
      opts.bin,
      'agent',
      '--server',
      base,
      '--token',
      secret,
      '--slots',
      String(opts.slots),
      '--workdir',
      workdir,
      '--name',
      `bench-agent-${i}`,
    ];
    pids.push(spawnChild(`agent ${i}`, args, childEnv({ PROCTOR_LOG_LEVEL: 'warn' })).pid);
  }
  // Runs before the agents are stopped: a run still going is cancelled, so that the agents stop
  // its processes and remove their report directories themselves.
  onCleanup(async () => {
    if (active.runId === 0) return;
    await call('POST', `/api/v1/runs/${active.runId}/cancel`, {}, 200).catch(() => undefined);
    await agentsIdle(call, 5_000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { items } = await call('GET', '/api/v1/agents');
    if (items.filter((/** @type {any} */ a) => a.live).length >= opts.agents) return pids;
    if (Date.now() > deadline) throw new Error(`the agents did not register within 30 s (${items.length} listed)`);
    await sleep(100);
  }
}

/** @param {(...a: any[]) => Promise<any>} call @param {number} withinMs */
async function agentsIdle(call, withinMs) {
  for (const stop = Date.now() + withinMs; Date.now() < stop; await sleep(100)) {
    const { items } = await call('GET', '/api/v1/agents');
    if (items.every((/** @type {any} */ a) => a.busy_slots === 0)) return;
  }
}

/** The plan file: per shape and mode a plan `<shape>-<mode>` and a warm-up plan of one empty file. */
function planFile() {
  const plans = opts.shapes.flatMap((shape) =>
    modesOf(shape).map((mode) => {
      const envs = `[${shape.envs.map((e) => e.name).join(', ')}]`;
      const warmupOnly =
        shape.framework === 'vitest' ? '\n    scenarios: { include: ["calibrate/z0.vitest.mjs"] }' : '';
      return `
  ${shape.name}-${mode}:
    framework: ${shape.framework}
    workdir: ${shape.name}
    environments: ${envs}
    max_parallel: ${SLOTS}
    timeout: 5m
    options: ${planOptions(shape, mode, false)}
  warmup-${shape.name}-${mode}:
    framework: ${shape.framework}
    workdir: ${shape.name}
    environments: ${envs}${warmupOnly}
    options: ${planOptions(shape, mode, true)}`;
    }),
  );
  return `
project: bench
environments:
  local: { platform: api }
  fast: { platform: api, variables: { SLEEP_FACTOR: "1" } }
  slow: { platform: api, variables: { SLEEP_FACTOR: "2" } }
plans:${plans.join('')}
`;
}

/**
 * Triggers a plan, waits for the run to end (cancelling it after `limitS`), and reads it with its
 * jobs and results. `timedOut` when it was cancelled.
 * @param {(...a: any[]) => Promise<any>} call @param {string} suiteDir @param {string} plan
 * @param {number} expected @param {number} limitS
 */
async function runOnce(call, suiteDir, plan, expected, limitS) {
  const timingsFile = join(suiteDir, 'timings.jsonl');
  rmSync(timingsFile, { force: true });
  const t0 = Date.now();
  const triggered = await call('POST', `/api/v1/plans/${plan}/runs?project=bench`, {}, 202);
  active.runId = triggered.id;
  let run;
  let timedOut = false;
  for (;;) {
    run = await call('GET', `/api/v1/runs/${triggered.id}`);
    if (run.status === 'completed' || run.status === 'cancelled') break;
    if (!timedOut && Date.now() - t0 > limitS * 1000) {
      log(`run ${run.id} of ${plan} did not end within ${limitS} s: cancelling it`);
      timedOut = true;
      await call('POST', `/api/v1/runs/${run.id}/cancel`, {}, 200);
    }
    if (Date.now() - t0 > (limitS + 30) * 1000) throw new Error(`run ${run.id} did not stop after its cancel`);
    await sleep(50);
  }
  active.runId = 0;
  if (timedOut) await agentsIdle(call, 10_000);
  const { items: jobs } = await call('GET', `/api/v1/runs/${run.id}/jobs`);
  const results = [];
  for (let cursor = ''; ; ) {
    const page = await call(
      'GET',
      `/api/v1/runs/${run.id}/results?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    results.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  if (
    !timedOut &&
    (run.result !== 'passed' ||
      results.length !== expected ||
      results.some((/** @type {any} */ r) => r.status !== 'passed'))
  ) {
    const bad = results
      .filter((/** @type {any} */ r) => r.status !== 'passed')
      .slice(0, 3)
      .map((/** @type {any} */ r) => `${r.scenario.key}: ${r.status} ${r.message ?? ''}`);
    throw new Error(
      `run ${run.id} of ${plan} ended ${run.status}/${run.result} with ${results.length} of ${expected} results; e.g. ${bad.join('; ')} (${run.end_reason ?? ''})`,
    );
  }
  const timings = existsSync(timingsFile)
    ? readFileSync(timingsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((/** @type {string} */ l) => JSON.parse(l))
    : [];
  return { run, jobs, results, timings, timedOut };
}

// ---------------------------------------------------------------- analysis

const ms = (/** @type {string} */ iso) => Date.parse(iso);

/** Busy slot-time of intervals within [from, to]. @param {Array<[number, number]>} intervals @param {number} from @param {number} to */
function busyWithin(intervals, from, to) {
  return intervals.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
}

/** @param {number[]} l */
const median = (l) => [...l].sort((a, b) => a - b)[Math.floor(l.length / 2)] ?? NaN;

/**
 * Where the time of the command runner's jobs (a process per job) went between claim and
 * completion, summed over jobs and divided by the slots (seconds of makespan), from its timings.jsonl.
 * @param {{ jobs: any[], results: any[], timings: Array<{ job?: string, origin: number, start: number, end: number }> }} r
 */
function jobPhases(r) {
  if (r.timings.length === 0) return null;
  const scenarioMsByJob = new Map();
  for (const x of r.results) scenarioMsByJob.set(x.job_id, (scenarioMsByJob.get(x.job_id) ?? 0) + (x.duration_ms ?? 0));
  const byJob = new Map(r.jobs.map((j) => [String(j.id), j]));
  const sums = { toSpawn: 0, boot: 0, inRunner: 0, after: 0 };
  const lists = {
    toSpawn: /** @type {number[]} */ ([]),
    boot: /** @type {number[]} */ ([]),
    after: /** @type {number[]} */ ([]),
  };
  for (const t of r.timings) {
    const job = byJob.get(String(t.job));
    const attempt = job?.attempts[job.attempts.length - 1];
    if (!attempt?.finished_at) continue;
    const parts = {
      toSpawn: t.origin - ms(attempt.started_at),
      boot: t.start - t.origin,
      inRunner: t.end - t.start - (scenarioMsByJob.get(job.id) ?? 0),
      after: ms(attempt.finished_at) - t.end,
    };
    for (const k of /** @type {const} */ (['toSpawn', 'boot', 'inRunner', 'after'])) sums[k] += parts[k];
    lists.toSpawn.push(parts.toSpawn);
    lists.boot.push(parts.boot);
    lists.after.push(parts.after);
  }
  return {
    s: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / 1000 / SLOTS])),
    median: { toSpawn: median(lists.toSpawn), boot: median(lists.boot), after: median(lists.after) },
  };
}

/**
 * Queue mode with the command runner: where each worker's time went, from its timings (one line
 * per batch), in seconds of makespan (summed over workers, divided by the slots): from the run's
 * start to the worker's process (claims, discovery), its boot (and its start sleep), the gaps
 * between its batches (completion, claim, report: what a dispatch costs), and from its last batch
 * to the run's end (the tail).
 * @param {{ run: any, timings: Array<{ pid: number, origin: number, start: number, end: number }> }} r
 */
function workerPhases(r) {
  const started = ms(r.run.started_at);
  const finished = ms(r.run.finished_at);
  /** @type {Map<number, Array<{ origin: number, start: number, end: number }>>} */
  const byPid = new Map();
  for (const t of r.timings) byPid.set(t.pid, [...(byPid.get(t.pid) ?? []), t]);
  const sums = { toWorker: 0, boot: 0, between: 0, tail: 0 };
  /** @type {number[]} */
  const gaps = [];
  for (const batches of byPid.values()) {
    batches.sort((a, b) => a.start - b.start);
    const first = /** @type {{ origin: number, start: number, end: number }} */ (batches[0]);
    sums.toWorker += first.origin - started;
    sums.boot += first.start - first.origin;
    for (let i = 1; i < batches.length; i++)
      gaps.push(/** @type {any} */ (batches[i]).start - /** @type {any} */ (batches[i - 1]).end);
    sums.tail += finished - /** @type {any} */ (batches[batches.length - 1]).end;
  }
  sums.between = gaps.reduce((a, b) => a + b, 0);
  const sorted = gaps.sort((a, b) => a - b);
  return {
    workers: byPid.size,
    s: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / 1000 / SLOTS])),
    gapMs: { p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, p90: sorted[Math.floor(sorted.length * 0.9)] ?? NaN },
  };
}

/**
 * Wall clock, the bound from the measured durations, and where the slot-time went. S × wall =
 * scenario time + job overhead + idle slot time; with the bound at total / S, wall − bound =
 * (overhead + idle) / S exactly (in queue mode a slot's jobs overlap, so its worker's batches tell).
 * @param {{ run: any, jobs: any[], results: any[], timings: any[], timedOut: boolean }} r
 * @param {Shape} shape @param {Mode} mode @param {{ s: number }} drawn @param {number} cpuMs
 * @param {{ jobsCpuMs: number, machineBusyMs: number, machineTotalMs: number, load: number }} usage
 */
function analyse(r, shape, mode, drawn, cpuMs, usage) {
  const started = ms(r.run.started_at ?? r.run.created_at);
  const finished = ms(r.run.finished_at);
  const wallS = (finished - started) / 1000;
  const base = { wallS, ratio: wallS / drawn.s, timedOut: r.timedOut, usage };
  if (r.timedOut) return { ...base, fromTriggerS: (finished - ms(r.run.created_at)) / 1000 };
  /** @type {Map<string, number>} */
  const unitMs = new Map();
  for (const x of r.results) {
    const k = `${x.environment}|${x.scenario.file}`;
    unitMs.set(k, (unitMs.get(k) ?? 0) + (x.duration_ms ?? 0));
  }
  const measured = bound({ units: [...unitMs.values()], startMs: shape.startMs, cpuMs, slots: SLOTS, cores: CORES });
  const scenarioMsByJob = new Map();
  for (const x of r.results) scenarioMsByJob.set(x.job_id, (scenarioMsByJob.get(x.job_id) ?? 0) + (x.duration_ms ?? 0));
  const execute = r.jobs.filter((j) => j.kind === 'execute');
  /** @type {Array<[number, number]>} */
  const intervals = execute.flatMap((j) =>
    j.attempts.map((/** @type {any} */ a) => /** @type {[number, number]} */ ([ms(a.started_at), ms(a.finished_at)])),
  );
  const busy = intervals.reduce((s, [a, b]) => s + (b - a), 0);
  const scenarioMs = r.results.reduce((s, x) => s + (x.duration_ms ?? 0), 0);
  const firstStart = Math.min(...intervals.map((i) => i[0]));
  const lastStart = Math.max(...intervals.map((i) => i[0]));
  const wallOf = (/** @type {any} */ j) =>
    j.attempts.reduce((/** @type {number} */ s, /** @type {any} */ a) => s + ms(a.finished_at) - ms(a.started_at), 0);
  const perJob = execute.map((j) => wallOf(j) - (scenarioMsByJob.get(j.id) ?? 0));
  const discovery = r.jobs.find((j) => j.kind === 'discover');
  // The opening jobs (the first SLOTS to start): their tests' work against their wall time.
  const opening = [...execute]
    .sort((a, b) => ms(a.attempts[0]?.started_at) - ms(b.attempts[0]?.started_at))
    .slice(0, SLOTS)
    .map((j) => ({ n: j.scenario_count, workS: (scenarioMsByJob.get(j.id) ?? 0) / 1000, wallS: wallOf(j) / 1000 }));
  // When the longest scenario's job started, after the run's start.
  const longest = r.results.reduce((a, b) => ((b.duration_ms ?? 0) > (a.duration_ms ?? 0) ? b : a));
  const longestJob = execute.find((j) => j.id === longest.job_id);
  const envs = shape.envs.map((e) => {
    const mine = execute.filter((j) => j.environment === e.name);
    return {
      name: e.name,
      jobs: mine.length,
      lastEndS: (Math.max(...mine.map((j) => ms(j.finished_at))) - started) / 1000,
    };
  });
  return {
    ...base,
    fromTriggerS: (finished - ms(r.run.created_at)) / 1000,
    measured,
    jobs: execute.length,
    attempts: intervals.length,
    sizes: execute.map((j) => j.scenario_count),
    overheadS: (busy - scenarioMs) / 1000 / SLOTS,
    overheadPerJobMs: median(perJob),
    discoveryMs: discovery?.attempts[0]
      ? ms(discovery.attempts[0].finished_at) - ms(discovery.attempts[0].started_at)
      : NaN,
    preludeS: (firstStart - started) / 1000,
    gapsS: ((lastStart - firstStart) * SLOTS - busyWithin(intervals, firstStart, lastStart)) / 1000 / SLOTS,
    tailS: ((finished - lastStart) * SLOTS - busyWithin(intervals, lastStart, finished)) / 1000 / SLOTS,
    opening,
    longest: {
      ms: longest.duration_ms,
      file: longest.scenario.file,
      startedS: longestJob?.attempts[0] ? (ms(longestJob.attempts[0].started_at) - started) / 1000 : NaN,
    },
    envs,
    phases: mode === 'process' && shape.framework === 'command' ? jobPhases(r) : null,
    // With more workers than slots (a slot moved to another environment's worker) the sums mislead.
    workers:
      mode === 'queue' && r.timings.length > 0 && new Set(r.timings.map((t) => t.pid)).size <= SLOTS
        ? workerPhases(r)
        : null,
  };
}

// ---------------------------------------------------------------- the framework run directly

/**
 * The suite as its user runs it today: one `vitest run` of every file with as many workers as
 * Proctor has slots (issue 18: a first run through Proctor ≤ 1.15 × this, a later one ≤ 1.05 ×).
 * @param {string} dir @param {number} limitS
 */
async function directRun(dir, limitS) {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [VITEST_BIN, 'run', '--config', 'vitest.config.mjs', '--reporter=dot', `--maxWorkers=${SLOTS}`, '--minWorkers=1'],
    { cwd: dir, stdio: 'ignore', detached: true, env: { ...process.env, SLEEP_FACTOR: '1' } },
  );
  const limit = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), limitS * 1000);
  const code = await new Promise((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (c, signal) => ok(c ?? signal));
  });
  clearTimeout(limit);
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0 && wallS < limitS) throw new Error(`vitest run directly exited with ${code}`);
  return { wallS, timedOut: wallS >= limitS };
}

// ---------------------------------------------------------------- static split

/**
 * The static split a CI would run: per environment, the sorted file list cut into SLOTS / envs
 * contiguous chunks of equal count, one process per chunk (with the environment's SLEEP_FACTOR and
 * the shape's START_MS), all at once, stopped after `limitS`.
 * @param {Shape} shape @param {string} dir @param {number} limitS
 */
async function staticSplit(shape, dir, limitS) {
  const files = [...shape.files].sort((a, b) => a.file.localeCompare(b.file));
  const per = Math.max(1, Math.floor(SLOTS / shape.envs.length));
  const size = Math.ceil(files.length / per);
  const shards = shape.envs.flatMap((env) =>
    Array.from({ length: per }, (_, i) => ({ env, files: files.slice(i * size, (i + 1) * size) })),
  );
  const reports = tempDir('proctor-makespan-shards-');
  const c0 = childrenCpuMs();
  const m0 = machineCpu();
  const t0 = performance.now();
  /** @type {import('node:child_process').ChildProcess[]} */
  const children = [];
  const limit = setTimeout(() => {
    for (const c of children) if (c.pid) process.kill(-c.pid, 'SIGKILL');
  }, limitS * 1000);
  try {
    await Promise.all(
      shards.map(
        (shard, i) =>
          new Promise((ok, fail) => {
            mkdirSync(join(reports, String(i)));
            const child = spawn(
              '/bin/sh',
              [
                '-c',
                runCommand(
                  shape.framework,
                  shard.files.map((f) => f.file),
                  join(reports, String(i)),
                ),
              ],
              {
                cwd: dir,
                stdio: 'ignore',
                detached: true,
                env: { ...process.env, SLEEP_FACTOR: String(shard.env.factor), START_MS: String(shape.startMs) },
              },
            );
            children.push(child);
            child.once('error', fail);
            child.once('exit', (code, signal) =>
              code === 0 ? ok(undefined) : fail(new Error(`static shard ${i + 1} exited with ${code ?? signal}`)),
            );
          }),
      ),
    );
  } catch (e) {
    if (performance.now() - t0 < limitS * 1000) throw e;
    clearTimeout(limit);
    return { wallS: limitS, timedOut: true, shardS: [], size, cpuS: NaN, machineBusy: NaN };
  }
  clearTimeout(limit);
  const wallS = (performance.now() - t0) / 1000;
  const m1 = machineCpu();
  const shardS = shards.map(
    (s) => (s.files.reduce((a, f) => a + f.tests.reduce((x, y) => x + y, 0), 0) * s.env.factor) / 1000,
  );
  return {
    wallS,
    timedOut: false,
    shardS,
    size,
    cpuS: (childrenCpuMs() - c0) / 1000,
    machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total),
  };
}

// ---------------------------------------------------------------- main

/**
 * Runs one shape: per mode the runs (a) and (b) and the learnt job costs, then the static split.
 * @param {Shape} shape @param {{ call: (...a: any[]) => Promise<any>, root: string, agentPids: number[], warm: Set<string>, cal: any }} ctx
 */
async function measureShape(shape, ctx) {
  const dir = join(ctx.root, shape.name);
  const cal = ctx.cal[shape.framework];
  const cpuMs = minimumCpuMs(shape, cal);
  const units = drawnUnits(shape);
  const drawn = bound({ units, startMs: shape.startMs, cpuMs, slots: SLOTS, cores: CORES });
  const limitS = Math.max(60, Math.ceil(6 * drawn.s));
  const expected = shape.files.reduce((n, f) => n + f.tests.length, 0) * shape.envs.length;
  log(
    `${shape.name}: bound ${fx(drawn.s, 2)} s (${drawn.by}); ${expected} scenarios × environments; run limit ${limitS} s`,
  );
  /** @type {Array<{ mode: Mode, a: any, b: any, costs: any[] }>} */
  const byMode = [];
  for (const mode of modesOf(shape)) {
    const warmKey = `${shape.framework}-${mode}-${shape.envs.length}`;
    if (!ctx.warm.has(warmKey)) {
      // As many warm-up runs at once as there are slots, so that every agent gets some of their jobs.
      await Promise.all(
        Array.from({ length: SLOTS }, () =>
          runOnce(ctx.call, dir, `warmup-${shape.name}-${mode}`, shape.envs.length, limitS),
        ),
      );
      ctx.warm.add(warmKey);
    }
    /** @param {string} label */
    const measured = async (label) => {
      const c0 = jobsCpuMs(ctx.root, ctx.agentPids);
      const m0 = machineCpu();
      const load = load1();
      const r = await runOnce(ctx.call, dir, `${shape.name}-${mode}`, expected, limitS);
      const m1 = machineCpu();
      const usage = {
        jobsCpuMs: jobsCpuMs(ctx.root, ctx.agentPids) - c0,
        machineBusyMs: m1.busy - m0.busy,
        machineTotalMs: m1.total - m0.total,
        load: Math.max(load, load1()),
      };
      const x = analyse(r, shape, mode, drawn, cpuMs, usage);
      log(`${shape.name} ${mode} ${label}: ${fx(x.wallS, 2)} s = ${fx(x.ratio, 3)} × bound (load ${loadAverages()})`);
      return x;
    };
    // Without history means without a discovery the agents kept from an earlier mode's runs, too.
    rmSync(join(ctx.root, '.proctor', 'discovery'), { recursive: true, force: true });
    const a = await measured('(a) no history');
    const b = await measured('(b) with history');
    const history = await ctx.call('GET', `/api/v1/plans/${shape.name}-${mode}/history?project=bench`);
    byMode.push({ mode, a, b, costs: history.job_costs });
  }
  await agentsIdle(ctx.call, 10_000);
  const loadBefore = load1();
  const st = await staticSplit(shape, dir, limitS);
  log(
    `${shape.name} static split: ${fx(st.wallS, 2)} s = ${fx(st.wallS / drawn.s, 3)} × bound (load ${loadAverages()})`,
  );
  const direct = shape.framework === 'vitest' ? await directRun(dir, limitS) : null;
  if (direct) log(`${shape.name} run directly: ${fx(direct.wallS, 2)} s (load ${loadAverages()})`);
  return {
    direct,
    shape,
    cal,
    cpuMs,
    units,
    drawn,
    byMode,
    st: { ...st, ratio: st.wallS / drawn.s, load: Math.max(loadBefore, load1()) },
  };
}

async function main() {
  const loadBefore = loadAverages();
  const root = tempDir('proctor-makespan-');
  // Runs after the agents were stopped (cleanups run last registered first): an agent killed
  // mid-job leaves its job's process group behind, and the static split's shells may still run.
  onCleanup(() => {
    for (const pid of processesUnder(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  for (const shape of opts.shapes) writeSuite(join(root, shape.name), shape);
  /** @type {Record<string, any>} */
  const cal = {};
  for (const shape of opts.shapes) {
    if (cal[shape.framework]) continue;
    cal[shape.framework] = calibrate(join(root, shape.name), shape.framework);
    const c = cal[shape.framework];
    log(
      `calibrated ${shape.framework}: a job process with one empty file ${Math.round(c.jobWallMs)} ms wall, ${Math.round(c.jobCpuMs)} ms CPU; each further file ${Math.round(c.fileWallMs)} ms wall, ${Math.round(c.fileCpuMs)} ms CPU (load ${loadAverages()})`,
    );
  }
  const server = await startServer({
    bin: opts.bin,
    token: TOKEN,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    nodeArgs: opts.serverNodeArgs,
  });
  const call = client(server.base, TOKEN);
  log(`server pid ${server.pid} at ${server.base} (${server.where})`);
  await call('POST', '/api/v1/apply', planFile(), 200, { yaml: true });
  const agentPids = await startAgents(server.base, call, root);
  const ctx = { call, root, agentPids, warm: new Set(), cal };
  /** @type {any[]} */
  const done = [];
  /** @type {string[]} */
  const failed = [];
  for (const shape of opts.shapes) {
    try {
      const r = await measureShape(shape, ctx);
      done.push(r);
      process.stdout.write(`${shapeReport(r).join('\n')}\n`);
    } catch (e) {
      log(`${shape.name} failed: ${/** @type {Error} */ (e).stack ?? e}`);
      failed.push(`${shape.name}: ${/** @type {Error} */ (e).message}`);
      await agentsIdle(call, 10_000);
    }
  }
  process.stdout.write(`${summary(done, failed, server.where, loadBefore).join('\n')}\n`);
  if (failed.length > 0) throw new Error(`${failed.length} shape(s) not measured: ${failed.join('; ')}`);
}

// ---------------------------------------------------------------- report

/** @param {any} x */
const ratioText = (x) => (x.timedOut ? `> ${fx(x.ratio, 2)} (cancelled)` : fx(x.ratio, 3));

/** @param {any} r @returns {string[]} */
function shapeReport(r) {
  const { shape, cal, drawn } = r;
  const total = r.units.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0);
  const p = drawn.parts;
  const out = [
    '',
    `== ${shape.name}: ${shape.about}`,
    `   ${shape.framework}; environments ${shape.envs.map((/** @type {any} */ e) => `${e.name} × ${e.factor}`).join(', ')}; ${shape.files.length} files, ${shape.files.reduce((/** @type {number} */ n, /** @type {any} */ f) => n + f.tests.length, 0)} tests; ${fx(total / 1000)} s of work; ${opts.agents} agents × ${opts.slots} slots = ${SLOTS}, ${CORES} cores`,
    `   bound ${fx(drawn.s, 2)} s, set by ${drawn.by}: ${shape.startMs > 0 ? `${fx(shape.startMs / 1000)} s start + ` : ''}max(longest file ${fx(p.longest / 1000, 2)}, total / ${SLOTS} ${fx(p['total / slots'] / 1000, 2)}, least CPU ${fx(r.cpuMs / 1000, 2)} / ${CORES} cores ${fx(p['CPU / cores'] / 1000, 2)})`,
    `   a job process alone (calibrated): one empty file ${Math.round(cal.jobWallMs)} ms wall, ${Math.round(cal.jobCpuMs)} ms CPU; each further file ${Math.round(cal.fileWallMs)} ms wall, ${Math.round(cal.fileCpuMs)} ms CPU`,
  ];
  for (const { mode, a, b, costs } of r.byMode) {
    for (const [label, x] of /** @type {const} */ ([
      ['(a) no history  ', a],
      ['(b) with history', b],
    ])) {
      const u = x.usage;
      out.push(
        `   ${mode === 'queue' ? 'queue mode ' : 'process/job'} ${label}: ${fx(x.wallS, 2)} s (trigger→finished ${fx(x.fromTriggerS, 2)} s) = ${ratioText(x)} × bound${x.measured ? ` (${fx(x.wallS / x.measured.s, 3)} × the measured bound ${fx(x.measured.s, 2)} s)` : ''}; load ${fx(u.load, 2)}`,
      );
      if (x.timedOut) continue;
      out.push(
        `       ${x.jobs} jobs (${x.attempts} attempts; sizes ${summarise(x.sizes)}) + discovery ${Math.round(x.discoveryMs)} ms; CPU: job processes ${fx(u.jobsCpuMs / 1000, 1)} s, machine ${fx((100 * u.machineBusyMs) / u.machineTotalMs, 0)} % busy`,
      );
      const w = x.workers;
      out.push(
        w
          ? `       gap to the measured bound ${fx(x.wallS - x.measured.s, 2)} s ≈ run start → workers started ${fx(w.s.toWorker, 2)} s + their boot ${fx(w.s.boot, 2)} s + between batches ${fx(w.s.between, 2)} s (p50 ${fx(w.gapMs.p50, 1)} ms, p90 ${fx(w.gapMs.p90, 1)} ms) + last batch → run finished ${fx(w.s.tail, 2)} s (${w.workers} workers)`
          : mode === 'queue'
            ? `       gap to the measured bound ${fx(x.wallS - x.measured.s, 2)} s: prelude ${fx(x.preludeS, 2)} s (discovery, first claims), then dispatch, worker start-up and idle slots, which the server's times do not tell apart in queue mode (a lookahead's attempt begins while its slot's batch runs)`
            : `       gap to the measured bound ${fx(x.wallS - x.measured.s, 2)} s: job overhead ${fx(x.overheadS, 2)} s (median ${Math.round(x.overheadPerJobMs)} ms/job) + prelude ${fx(x.preludeS, 2)} s (discovery, first claims) + idle between jobs ${fx(x.gapsS, 2)} s + tail ${fx(x.tailS, 2)} s`,
      );
      if (x.phases)
        out.push(
          `       job overhead by phase (s of makespan; median ms/job): claim → process began ${fx(x.phases.s.toSpawn, 2)} (${Math.round(x.phases.median.toSpawn)}), node boot${shape.startMs > 0 ? ' and start sleep' : ''} ${fx(x.phases.s.boot, 2)} (${Math.round(x.phases.median.boot)}), in the runner beyond its sleeps ${fx(x.phases.s.inRunner, 2)}, runner end → completion stored ${fx(x.phases.s.after, 2)} (${Math.round(x.phases.median.after)})`,
        );
      out.push(
        `       opening jobs (tests/work s/wall s${mode === 'queue' ? "; a lookahead's wall includes its wait" : ''}): ${x.opening.map((/** @type {any} */ o) => `${o.n}/${fx(o.workS)}/${fx(o.wallS)}`).join(' ')}; longest scenario ${fx(x.longest.ms / 1000, 2)} s (${x.longest.file}) started at ${fx(x.longest.startedS, 2)} s`,
      );
      if (x.envs.length > 1)
        out.push(
          `       per environment: ${x.envs.map((/** @type {any} */ e) => `${e.name} ${e.jobs} jobs, last ended at ${fx(e.lastEndS, 2)} s`).join('; ')}`,
        );
    }
    out.push(
      `   ${mode === 'queue' ? 'queue mode ' : 'process/job'} learnt job costs after (b): ${costs.length === 0 ? 'none' : costs.map((/** @type {any} */ c) => `${c.environment}: fixed ${c.fixed_ms} ms, per file ${c.per_file_ms} ms (${c.jobs} jobs)`).join('; ')}`,
    );
  }
  const st = r.st;
  if (r.direct)
    for (const { mode, a, b } of r.byMode)
      out.push(
        `   run directly (vitest run, ${SLOTS} workers): ${fx(r.direct.wallS, 2)} s; through Proctor (${mode}) no history ${fx(a.wallS / r.direct.wallS, 3)} × (target ≤ 1.15), with history ${fx(b.wallS / r.direct.wallS, 3)} × (target ≤ 1.05)`,
      );
  out.push(
    st.timedOut
      ? `   static split: cancelled after ${st.wallS} s = > ${fx(st.ratio, 2)} × bound`
      : `   static split (${st.shardS.length} contiguous shards of ≤ ${st.size} files, one process each): ${fx(st.wallS, 2)} s = ${fx(st.ratio, 3)} × bound; drawn work per shard ${st.shardS.map((/** @type {number} */ s) => fx(s)).join(', ')} s; CPU ${fx(st.cpuS, 1)} s, machine ${fx(100 * st.machineBusy, 0)} % busy; load ${fx(st.load, 2)}`,
  );
  return out;
}

/** Job sizes, run-length: "1×400" or "52,40,…". @param {number[]} sizes */
function summarise(sizes) {
  /** @type {Array<[number, number]>} */
  const runs = [];
  for (const s of sizes) {
    const last = runs[runs.length - 1];
    if (last && last[0] === s) last[1]++;
    else runs.push([s, 1]);
  }
  const text = runs.map(([s, n]) => (n > 1 ? `${s}×${n}` : String(s))).join(',');
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** @param {any[]} done @param {string[]} failed @param {string} where @param {string} loadBefore */
function summary(done, failed, where, loadBefore) {
  const rows = done.flatMap((r) =>
    r.byMode.map((/** @type {any} */ m) => ({
      shape: r.shape.name,
      mode: m.mode,
      bound: `${fx(r.drawn.s, 2)} s (${r.drawn.by})`,
      a: m.a,
      b: m.b,
      st: r.st,
      load: [m.a.usage.load, m.b.usage.load, r.st.load],
    })),
  );
  const head = [
    'shape',
    'mode',
    'bound',
    'no history',
    'with history',
    'static',
    'hist ≤ 1.05',
    'ahead of static',
    'load',
  ];
  const lines = rows.map((x) => {
    const ahead = !x.st.timedOut ? x.a.ratio < x.st.ratio && x.b.ratio < x.st.ratio : !x.a.timedOut && !x.b.timedOut;
    return [
      x.shape,
      x.mode,
      x.bound,
      ratioText(x.a),
      ratioText(x.b),
      x.st.timedOut ? `> ${fx(x.st.ratio, 2)}` : fx(x.st.ratio, 3),
      verdict(!x.b.timedOut && x.b.ratio <= TARGET_HISTORY),
      `${verdict(ahead)}${ahead ? '' : ` (${x.a.ratio < x.st.ratio ? '' : 'a'}${x.b.ratio < x.st.ratio ? '' : 'b'})`}`,
      `${fx(Math.min(...x.load), 1)}–${fx(Math.max(...x.load), 1)}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (/** @type {string[]} */ l) => l.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ');
  return [
    '',
    `Proctor makespan bench, ${done.length} shapes: ratio = started→finished wall / bound; ${opts.agents} agents × ${opts.slots} slots; ${where}; node ${process.version}, ${CORES} CPUs; load averages ${loadBefore} before, ${loadAverages()} after (1-min load per row: min–max over its runs)`,
    fmt(head),
    ...lines.map(fmt),
    ...done.flatMap((r) =>
      r.direct
        ? r.byMode.map(
            (/** @type {any} */ m) =>
              `${r.shape.name} (${m.mode}) against the framework run directly (${fx(r.direct.wallS, 2)} s): no history ${fx(m.a.wallS / r.direct.wallS, 3)} × ${verdict(m.a.wallS / r.direct.wallS <= 1.15)} (≤ 1.15), with history ${fx(m.b.wallS / r.direct.wallS, 3)} × ${verdict(m.b.wallS / r.direct.wallS <= 1.05)} (≤ 1.05)`,
          )
        : [],
    ),
    ...(failed.length > 0 ? [`not measured: ${failed.join('; ')}`] : []),
  ];
}

// Keep the machine's `uptime` beside the figures.
log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
await runBench(opts.timeLimitS, main);
