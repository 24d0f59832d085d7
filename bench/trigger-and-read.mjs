#!/usr/bin/env node
// @ts-check
/**
 * Trigger throughput and run-read latency of one Proctor server on loopback.
 *
 *   npm run build && node bench/trigger-and-read.mjs
 *   npm run build && node bench/trigger-and-read.mjs --database-url postgres://postgres@127.0.0.1:5432/postgres
 *
 * What it does:
 *   1. starts `node dist/main.js serve --no-local-agent` in a child process on a free port, with a
 *      fresh SQLite data dir (or, with --database-url, a fresh database created on that server and
 *      dropped at the end);
 *   2. applies project `bench`: environment `noop` (no labels), plan `noop20` (framework command);
 *   3. triggers --measure runs (1000) with --concurrency (16) requests in flight, no agent working:
 *      the reported triggers/s;
 *   4. drives the agent protocol itself (fake agents: discovery answers --scenarios scenarios,
 *      every execute job reports them passed at once) until those runs have completed, then
 *      triggers and executes more runs until --runs (5000) runs × 20 = 100,000 results are stored;
 *   5. reads GET /api/v1/runs/{id} of random runs --reads times (2000) at concurrency 1, then 8:
 *      the reported p50/p99.
 *
 * Targets (issue): ≥ 500 triggers/s and p99 ≤ 20 ms on one 2-core machine with SQLite.
 * Exit code 0 when the figures were measured (PASS or MISS), 1 on an error or the time limit.
 * Only node built-ins and fetch; `pg` from node_modules only with --database-url.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  adminToken,
  client,
  cpuMs,
  fx,
  int,
  log,
  onCleanup,
  pct,
  runBench,
  sleep,
  startServer,
  verdict,
} from './harness.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_TRIGGERS_PER_S = 500;
const TARGET_P99_MS = 20;

const { values: flags } = parseArgs({
  options: {
    measure: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5000' },
    scenarios: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    agents: { type: 'string', default: '4' },
    slots: { type: 'string', default: '8' },
    reads: { type: 'string', default: '2000' },
    'read-concurrency': { type: 'string', default: '1,8' },
    'database-url': { type: 'string' },
    bin: { type: 'string', default: join(REPO, 'dist', 'main.js') },
    'server-node-arg': { type: 'string', multiple: true, default: [] },
    'time-limit': { type: 'string', default: '600' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
  process.exit(0);
}

const opts = {
  measure: int(flags.measure, 'measure'),
  runs: Math.max(int(flags.runs, 'runs'), int(flags.measure, 'measure')),
  scenarios: int(flags.scenarios, 'scenarios'),
  concurrency: int(flags.concurrency, 'concurrency'),
  agents: int(flags.agents, 'agents'),
  slots: int(flags.slots, 'slots'),
  reads: int(flags.reads, 'reads'),
  readConcurrency: String(flags['read-concurrency'])
    .split(',')
    .map((s) => int(s, 'read-concurrency')),
  databaseUrl: flags['database-url'],
  bin: resolve(String(flags.bin)),
  serverNodeArgs: /** @type {string[]} */ (flags['server-node-arg']),
  timeLimitS: int(flags['time-limit'], 'time-limit'),
};

const ADMIN_TOKEN = adminToken();
const SCENARIOS = Array.from({ length: opts.scenarios }, (_, i) => {
  const title = `does nothing ${String(i + 1).padStart(3, '0')}`;
  return { key: `noop.test.js > noop > ${title}`, file: 'noop.test.js', path: ['noop', title], tags: [] };
});
const PLAN_FILE = `
project: bench
environments:
  noop: { platform: api }
plans:
  noop20:
    framework: command
    environments: [noop]
`;

// ---------------------------------------------------------------- HTTP

/** The server's address and a JSON client of it (admin token), set once it has started. */
let base = '';
let call = client(base, ADMIN_TOKEN);

/**
 * Runs `fn(0..n-1)` with at most `concurrency` calls in flight.
 * @param {number} n @param {number} concurrency @param {(i: number) => Promise<void>} fn
 */
async function pool(n, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

// ---------------------------------------------------------------- fake agents

const agentState = { stop: false, error: /** @type {Error | null} */ (null), jobs: 0, results: 0 };

/** Registers one fake agent and loops claim → complete until told to stop. @param {number} n */
async function fakeAgent(n) {
  const { token } = await call(
    'POST',
    '/api/agent/v1/register',
    { name: `bench-${n}`, labels: [], slots: opts.slots },
    201,
  );
  return async () => {
    try {
      while (!agentState.stop) {
        const { jobs } = await call('POST', '/api/agent/v1/claim', { free_slots: opts.slots, wait_ms: 500 }, 200, {
          token,
        });
        await Promise.all(jobs.map((/** @type {any} */ job) => completeJob(token, job)));
      }
    } catch (e) {
      agentState.error ??= /** @type {Error} */ (e);
      agentState.stop = true;
    }
  };
}

/** Answers a job at once: discovery lists the scenarios, execution passes every one. @param {string} token @param {any} job */
async function completeJob(token, job) {
  const body =
    job.kind === 'discover'
      ? { lease_token: job.lease_token, outcome: 'completed', scenarios: SCENARIOS }
      : {
          lease_token: job.lease_token,
          outcome: 'completed',
          exit_code: 0,
          duration_ms: 1,
          results: job.scenarios.map((/** @type {any} */ s) => ({
            key: s.key,
            file: s.file,
            path: s.path,
            outcome: 'passed',
            durationMs: 1,
          })),
        };
  await call('POST', `/api/agent/v1/jobs/${job.job_id}/complete`, body, 200, { token });
  agentState.jobs++;
  if (job.kind === 'execute') agentState.results += job.scenarios.length;
}

const STALL_MS = 15_000;

/**
 * Waits until no run of the plan is queued or running; logs progress every 5 s. Fails when runs
 * stay active while the agents get no job for STALL_MS: the server lost track of them.
 */
async function drained() {
  let lastLog = Date.now();
  let lastJobs = -1;
  let lastProgress = Date.now();
  for (;;) {
    if (agentState.error)
      throw new Error(`a fake agent failed: ${agentState.error.message}`, { cause: agentState.error });
    const page = await call('GET', '/api/v1/runs?plan=noop20&status=queued,running&limit=5');
    if (page.items.length === 0) return;
    if (agentState.jobs !== lastJobs) [lastJobs, lastProgress] = [agentState.jobs, Date.now()];
    if (Date.now() - lastProgress > STALL_MS) {
      const stuck = page.items.map((/** @type {any} */ r) => `run ${r.id} ${r.status} ${JSON.stringify(r.counts)}`);
      throw new Error(
        `stalled: runs are still active but no job was handed out for ${STALL_MS / 1000} s, e.g.\n  ${stuck.join('\n  ')}`,
      );
    }
    if (Date.now() - lastLog > 5_000) {
      log(`… ${agentState.jobs} jobs completed, ${agentState.results} scenario results reported`);
      lastLog = Date.now();
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------- phases

/** Triggers `n` runs with bounded concurrency; returns the run ids and the elapsed seconds. @param {number} n */
async function trigger(n) {
  const ids = /** @type {number[]} */ ([]);
  const t0 = performance.now();
  await pool(n, opts.concurrency, async () => {
    const run = await call('POST', '/api/v1/plans/noop20/runs', {}, 202);
    ids.push(run.id);
  });
  return { ids, seconds: (performance.now() - t0) / 1000 };
}

/** Pages through every run of the plan and checks each completed with all its results passed. */
async function storedResults() {
  let runs = 0;
  let results = 0;
  const bad = /** @type {string[]} */ ([]);
  for (let cursor = ''; ; ) {
    const page = await call(
      'GET',
      `/api/v1/runs?plan=noop20&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const r of page.items) {
      runs++;
      results += r.counts.total;
      if (r.status !== 'completed' || r.result !== 'passed' || r.counts.passed !== opts.scenarios)
        bad.push(`${r.id}: ${r.status}/${r.result}`);
    }
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  if (bad.length)
    throw new Error(
      `${bad.length} run(s) did not pass all ${opts.scenarios} scenarios, e.g. ${bad.slice(0, 5).join(', ')}`,
    );
  return { runs, results };
}

/**
 * Reads random runs `n` times with `concurrency` requests in flight; the latencies in ms, sorted.
 * @param {number[]} ids @param {number} n @param {number} concurrency
 */
async function readLatencies(ids, n, concurrency) {
  const ms = /** @type {number[]} */ ([]);
  await pool(n, concurrency, async () => {
    const id = ids[Math.floor(Math.random() * ids.length)];
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/runs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await res.text();
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET /api/v1/runs/${id}: HTTP ${res.status}`);
  });
  return ms.sort((a, b) => a - b);
}

async function main() {
  const started = await startServer({
    bin: opts.bin,
    token: ADMIN_TOKEN,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    nodeArgs: opts.serverNodeArgs,
  });
  const server = {
    pid: started.pid,
    where: opts.databaseUrl ? started.where : `${started.where} in ${started.dataDir}`,
  };
  base = started.base;
  call = client(base, ADMIN_TOKEN);
  // On an error the fake agents stop before the server does (cleanups run last registered first).
  onCleanup(() => {
    agentState.stop = true;
  });
  log(`server pid ${server.pid} at ${base}, ${server.where}`);
  await call('POST', '/api/v1/apply', PLAN_FILE, 200, { yaml: true });
  // Agents register before the first trigger, so the environment counts as served.
  const loops = await Promise.all(Array.from({ length: opts.agents }, (_, i) => fakeAgent(i + 1)));

  const cpu0 = cpuMs(server.pid);
  const own0 = process.cpuUsage();
  const measured = await trigger(opts.measure);
  const own = process.cpuUsage(own0);
  const cpu1 = cpuMs(server.pid);
  const triggersPerS = opts.measure / measured.seconds;
  const clientMs = (own.user + own.system) / 1000 / opts.measure;
  const serverMs = cpu0 !== null && cpu1 !== null ? `server ${((cpu1 - cpu0) / opts.measure).toFixed(2)}, ` : '';
  const cpuPerTrigger = `; CPU ms/trigger: ${serverMs}client ${clientMs.toFixed(2)}`;
  log(
    `${opts.measure} triggers in ${measured.seconds.toFixed(2)} s; ${opts.agents} fake agents × ${opts.slots} slots now execute them`,
  );

  const running = loops.map((loop) => loop());
  let t0 = performance.now();
  await drained();
  const drainS = (performance.now() - t0) / 1000;
  const rest = opts.runs - opts.measure;
  log(`${opts.measure} runs executed in ${drainS.toFixed(1)} s; triggering and executing ${rest} more`);
  t0 = performance.now();
  const fill = await trigger(rest);
  await drained();
  const fillS = (performance.now() - t0) / 1000;
  agentState.stop = true;
  await Promise.all(running);
  const stored = await storedResults();

  const ids = [...measured.ids, ...fill.ids];
  await readLatencies(ids, 200, 1); // warm-up: JIT, statement cache, page cache
  const reads = [];
  for (const c of opts.readConcurrency) {
    const t = performance.now();
    const ms = await readLatencies(ids, opts.reads, c);
    reads.push({ c, ms, perS: opts.reads / ((performance.now() - t) / 1000) });
  }
  report({ server, triggersPerS, measured, cpuPerTrigger, drainS, rest, fill, fillS, stored, reads });
}

/** @param {any} r */
function report(r) {
  const out = [
    '',
    `Proctor bench: ${r.server.where}; plan of ${opts.scenarios} no-op scenarios; node ${process.version}`,
    `triggers: ${opts.measure} in ${r.measured.seconds.toFixed(2)} s = ${Math.round(r.triggersPerS)}/s (concurrency ${opts.concurrency}${r.cpuPerTrigger})   target ≥ ${TARGET_TRIGGERS_PER_S}/s: ${verdict(r.triggersPerS >= TARGET_TRIGGERS_PER_S)}`,
    `execution: ${opts.measure} runs executed by ${opts.agents} fake agents in ${r.drainS.toFixed(1)} s = ${Math.round(opts.measure / r.drainS)} runs/s`,
    `fill: ${r.rest} more runs triggered (${Math.round(r.rest / r.fill.seconds)}/s while agents work) and executed in ${r.fillS.toFixed(1)} s = ${Math.round(r.rest / r.fillS)} runs/s`,
    `stored: ${r.stored.runs} runs, ${r.stored.results} scenario results, every run completed and passed`,
  ];
  for (const { c, ms, perS } of r.reads) {
    const p99 = pct(ms, 99);
    const target = c === 1 ? `   target p99 ≤ ${TARGET_P99_MS} ms: ${verdict(p99 <= TARGET_P99_MS)}` : '';
    out.push(
      `GET /api/v1/runs/{id} with ${r.stored.results} results stored: p50 ${fx(pct(ms, 50))} ms, p95 ${fx(pct(ms, 95))} ms, p99 ${fx(p99)} ms, max ${fx(ms[ms.length - 1])} ms (${ms.length} requests, concurrency ${c}, ${Math.round(perS)}/s)${target}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await runBench(opts.timeLimitS, main);
