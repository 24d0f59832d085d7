#!/usr/bin/env node
// @ts-check
/**
 * Retention: a pass over 1,000,000 results and their logs while agents claim and complete jobs.
 *
 *   npm run build && node bench/retention.mjs
 *   node bench/retention.mjs --database-url postgres://postgres@127.0.0.1:5432/test
 *
 * What it does:
 *   1. starts `proctor serve --no-local-agent` (fresh SQLite dir or fresh PostgreSQL database),
 *      applies project `bench` with plan `old` (retention: runs 30 days, logs 7 days) and plan
 *      `noop`, and stops it;
 *   2. fills the database directly: --runs (1,000) ended runs of `old`, 60 days old, each with
 *      --results-per-run (1,000) results, --jobs-per-run (10) jobs with an attempt and
 *      --chunks (4) log chunks of 1 KiB each (1,000,000 results, 40,000 chunks, 40 MB of log);
 *   3. starts the server again; 16 fake agents of one slot (like bench/dispatch.mjs) run no-op runs
 *      of `noop`, 8 in flight, and every job's claimable → claimed latency is recorded;
 *   4. after --before (20) seconds, `POST /api/v1/admin/retention` runs a pass (the runs history reads,
 *      the newest 30, stay); load goes on until the pass returns;
 *   5. prints the pass's time and what it deleted, and claim latency p50/p99 before and during it.
 *
 * Target (issue 20): p99 during the pass ≤ 2 × p99 before, on SQLite and PostgreSQL.
 * --batch and --pause-ms set PROCTOR_RETENTION_BATCH and PROCTOR_RETENTION_PAUSE_MS.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  adminToken,
  client,
  freshPostgresDatabase,
  fx,
  int,
  log,
  machineLoad,
  pct,
  runBench,
  sleep,
  startServer,
  tempDir,
  verdict,
} from './harness.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    'results-per-run': { type: 'string', default: '1000' },
    'jobs-per-run': { type: 'string', default: '10' },
    chunks: { type: 'string', default: '4' },
    before: { type: 'string', default: '20' },
    agents: { type: 'string', default: '16' },
    'in-flight': { type: 'string', default: '8' },
    batch: { type: 'string' },
    'pause-ms': { type: 'string' },
    'database-url': { type: 'string' },
    bin: { type: 'string', default: join(REPO, 'dist', 'main.js') },
    'time-limit': { type: 'string', default: '1800' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
  process.exit(0);
}
const opts = {
  runs: int(flags.runs, 'runs'),
  perRun: int(flags['results-per-run'], 'results-per-run'),
  jobsPerRun: int(flags['jobs-per-run'], 'jobs-per-run'),
  chunks: int(flags.chunks, 'chunks', 0),
  beforeS: int(flags.before, 'before'),
  agents: int(flags.agents, 'agents'),
  inFlight: int(flags['in-flight'], 'in-flight'),
  databaseUrl: flags['database-url'],
  bin: resolve(String(flags.bin)),
  timeLimitS: int(flags['time-limit'], 'time-limit'),
};
const TOKEN = adminToken();
const PLAN_FILE = `
project: bench
environments:
  noop: { platform: api }
plans:
  old: { framework: command, environments: [noop] }
  noop: { framework: command, environments: [noop], max_parallel: 8 }
retention:
  runs: { days: 30 }
  logs: { days: 7 }
`;
const SCENARIOS = Array.from({ length: 4 }, (_, i) => ({
  key: `noop-${i + 1}.sh`,
  file: `noop-${i + 1}.sh`,
  path: [],
  tags: [],
}));

/** A `proctor serve` on a data dir / database kept across restarts. */
function serverOn(/** @type {string} */ dataDir, /** @type {string | undefined} */ databaseUrl) {
  return startServer({
    bin: opts.bin,
    token: TOKEN,
    dataDir,
    databaseUrl,
    reuse: true,
    env: {
      PROCTOR_RETENTION_INTERVAL_MS: '0',
      ...(flags.batch ? { PROCTOR_RETENTION_BATCH: String(flags.batch) } : {}),
      ...(flags['pause-ms'] ? { PROCTOR_RETENTION_PAUSE_MS: String(flags['pause-ms']) } : {}),
    },
  });
}

/**
 * The fill, as INSERT … SELECT over a numbers table, the same statements on both databases.
 * @param {(sql: string) => Promise<void>} exec
 * @param {string} uuid an expression of 32+ random hex characters
 */
async function fill(exec, uuid, ids) {
  const { planId, projectId, envId } = ids;
  const ended = Date.now() - 60 * 86_400_000;
  const n = Math.max(opts.runs, opts.perRun, opts.jobsPerRun, opts.chunks, 1);
  await exec('create table bench_n (x integer primary key)');
  for (let i = 1; i <= n; i += 1000)
    await exec(
      `insert into bench_n (x) values ${Array.from({ length: Math.min(1000, n - i + 1) }, (_, k) => `(${i + k})`).join(',')}`,
    );
  await exec(
    `insert into scenarios (plan_id, key, file, path, tags, created_at) select ${planId}, 'old-' || x || '.test > case', 'old-' || x || '.test', '[]', '[]', ${ended} from bench_n where x <= ${opts.perRun}`,
  );
  await exec(
    `insert into runs (uuid, project_id, plan_id, status, result, priority, trigger, plan_snapshot, created_at, started_at, finished_at) select ${uuid}, ${projectId}, ${planId}, 'completed', 'passed', 0, '{}', '{}', ${ended} + x, ${ended} + x, ${ended} + x + 1000 from bench_n where x <= ${opts.runs}`,
  );
  const runs = `select id from runs where plan_id = ${planId}`;
  await exec(
    `insert into jobs (run_id, kind, environment_id, environment_name, status, scenario_ids, priority, run_created_at, max_parallel, timeout_ms, attempt, max_attempts, created_at, started_at, finished_at) select r.id, 'execute', ${envId}, 'noop', 'completed', '[]', 0, ${ended}, 8, 600000, 1, 3, ${ended}, ${ended}, ${ended} + 1000 from (${runs}) r cross join bench_n where x <= ${opts.jobsPerRun}`,
  );
  const jobs = `select j.id from jobs j join runs r on r.id = j.run_id where r.plan_id = ${planId}`;
  await exec(
    `insert into attempts (job_id, attempt, agent_id, lease_token, status, started_at, finished_at, log_bytes) select j.id, 1, 1, 'x', 'completed', ${ended}, ${ended} + 1000, ${opts.chunks * 1024} from (${jobs}) j`,
  );
  const line = `${'x'.repeat(1023)}\n`;
  if (opts.chunks > 0) {
    await exec(
      `insert into log_chunks (job_id, attempt, "offset", length, data, created_at) select j.id, 1, (x - 1) * 1024, 1024, '${line}', ${ended} from (${jobs}) j cross join bench_n where x <= ${opts.chunks}`,
    );
  }
  // The results, a run at a time in slices of 100 runs: one statement of a million rows is what the pass must never be.
  for (let from = 0; from < opts.runs; from += 100) {
    await exec(
      `insert into results (run_id, scenario_id, environment_id, environment_name, status, attempts, failures, duration_ms, started_at, finished_at) select r.id, s.id, ${envId}, 'noop', 'passed', 1, 0, 1000, ${ended}, ${ended} + 1000 from (${runs} order by id limit 100 offset ${from}) r cross join (select id from scenarios where plan_id = ${planId}) s`,
    );
    if (from % 200 === 0) log(`… results of ${from + 100} runs`);
  }
  await exec('drop table bench_n');
}

/** Fills a stopped SQLite server's database, or a PostgreSQL one. */
async function fillDatabase(
  /** @type {string} */ dataDir,
  /** @type {string | undefined} */ databaseUrl,
  /** @type {any} */ ids,
) {
  const t0 = performance.now();
  if (databaseUrl) {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await fill(async (sql) => void (await c.query(sql)), 'md5(random()::text || x)', ids);
    await c.query('analyze');
    await c.end();
  } else {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'proctor.db'));
    db.pragma('journal_mode = WAL');
    await fill(async (sql) => void db.exec(sql), 'lower(hex(randomblob(16)))', ids);
    db.exec('analyze');
    db.close();
  }
  log(`filled in ${fx((performance.now() - t0) / 1000)} s`);
}

async function idsOf(/** @type {(...a: any[]) => Promise<any>} */ call) {
  const plans = (await call('GET', '/api/v1/plans?project=bench')).items;
  const old = plans.find((/** @type {any} */ p) => p.name === 'old');
  const env = (await call('GET', '/api/v1/environments?project=bench')).items.find(
    (/** @type {any} */ e) => e.name === 'noop',
  );
  return { planId: old.id, projectId: old.project_id ?? old.project?.id, envId: env.id };
}

/** Fake agents and drivers as in dispatch.mjs; `samples` gets [claimedAt, latency ms]. */
function load(/** @type {(...a: any[]) => Promise<any>} */ call, /** @type {string[]} */ tokens) {
  const st = {
    stop: false,
    error: /** @type {any} */ (null),
    samples: /** @type {[number, number][]} */ ([]),
    jobs: 0,
  };
  /** @type {Map<number, { claimableAt: number, left: number, done: () => void, wait: Promise<void> }>} */
  const runs = new Map();
  const track = (/** @type {number} */ id) => {
    let t = runs.get(id);
    if (!t) {
      let done = () => {};
      const wait = new Promise((r) => (done = () => r(undefined)));
      t = { claimableAt: performance.now(), left: SCENARIOS.length, done, wait };
      runs.set(id, t);
    }
    return t;
  };
  const abort = new AbortController();
  const agent = async (/** @type {string} */ token) => {
    /** @type {any[]} */
    let jobs = [];
    while (!st.stop) {
      if (jobs.length === 0)
        ({ jobs } = await call('POST', '/api/agent/v1/claim', { free_slots: 1, wait_ms: 5000 }, 200, {
          token,
          signal: abort.signal,
        }));
      const at = performance.now();
      const next = [];
      for (const job of jobs) {
        const t = track(job.run_id);
        st.samples.push([at, Math.max(0, at - t.claimableAt)]);
        const body =
          job.kind === 'discover'
            ? { lease_token: job.lease_token, outcome: 'completed', scenarios: SCENARIOS, claim: { free_slots: 1 } }
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
                  durationMs: 1000,
                })),
                claim: { free_slots: 1 },
              };
        const res = await call('POST', `/api/agent/v1/jobs/${job.job_id}/complete`, body, 200, { token });
        if (job.kind === 'discover') t.claimableAt = performance.now();
        else if ((t.left -= job.scenarios.length) <= 0) t.done();
        st.jobs++;
        next.push(...(res.jobs ?? []));
      }
      jobs = next;
    }
  };
  const driver = async () => {
    while (!st.stop) {
      const run = await call('POST', '/api/v1/plans/noop/runs?project=bench', {}, 202);
      const t = track(run.id);
      t.claimableAt = Math.min(t.claimableAt, performance.now());
      await Promise.race([t.wait, sleep(30_000)]);
    }
  };
  const all = [...tokens.map((t) => agent(t)), ...Array.from({ length: opts.inFlight }, driver)].map((p) =>
    p.catch((e) => {
      if (!st.stop) st.error ??= e;
    }),
  );
  return {
    st,
    async stop() {
      st.stop = true;
      abort.abort();
      await Promise.all(all);
    },
  };
}

/**
 * POST without fetch's five-minute limit on waiting for the answer's headers: a pass over a million
 * results on a loaded machine takes longer than that.
 */
function longPost(/** @type {string} */ url) {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c) => (text += c))
        .on('end', () =>
          res.statusCode === 200
            ? done(JSON.parse(text))
            : fail(new Error(`retention pass: HTTP ${res.statusCode}: ${text.slice(0, 400)}`)),
        );
    });
    req.on('error', fail).end();
  });
}

async function main() {
  const loadBefore = machineLoad();
  const dataDir = tempDir('proctor-bench-retention-');
  const databaseUrl = opts.databaseUrl ? await freshPostgresDatabase(opts.databaseUrl) : undefined;
  let server = await serverOn(dataDir, databaseUrl);
  let call = client(server.base, TOKEN);
  await call('POST', '/api/v1/apply', PLAN_FILE, 200, { yaml: true });
  const ids = await idsOf(call);
  await server.stop();
  await fillDatabase(dataDir, databaseUrl, ids);
  server = await serverOn(dataDir, databaseUrl);
  call = client(server.base, TOKEN);
  const usage = await call('GET', '/api/v1/admin/usage?project=bench');
  const of = (/** @type {string} */ kind) =>
    usage.items.find((/** @type {any} */ r) => r.kind === kind && r.plan?.name === 'old');
  log(
    `stored: ${of('results').rows} results, ${of('logs').rows} log chunks; the next pass deletes ${of('runs').next_pass.rows} runs, ${of('results').next_pass.rows} results, ${of('logs').next_pass.rows} logs`,
  );
  const tokens = await Promise.all(
    Array.from(
      { length: opts.agents },
      async (_, i) =>
        (await call('POST', '/api/agent/v1/register', { name: `fake-${i + 1}`, labels: [], slots: 1 }, 201)).token,
    ),
  );
  const l = load(call, tokens);
  await sleep(3_000); // warm-up, not counted
  const beforeFrom = performance.now();
  await sleep(opts.beforeS * 1000);
  const passFrom = performance.now();
  const pass = await longPost(`${server.base}/api/v1/admin/retention`);
  const passTo = performance.now();
  await l.stop();
  if (l.st.error) throw l.st.error;
  const before = l.st.samples
    .filter(([at]) => at >= beforeFrom && at < passFrom)
    .map(([, ms]) => ms)
    .sort((a, b) => a - b);
  const during = l.st.samples
    .filter(([at]) => at >= passFrom && at < passTo)
    .map(([, ms]) => ms)
    .sort((a, b) => a - b);
  const after = await call('GET', '/api/v1/admin/usage?project=bench');
  const resultsLeft = after.items.find((/** @type {any} */ r) => r.kind === 'results' && r.plan?.name === 'old').rows;
  const p99b = pct(before, 99);
  const p99d = pct(during, 99);
  process.stdout.write(
    `${[
      '',
      `Proctor retention bench: ${databaseUrl ? 'PostgreSQL' : 'SQLite'}; ${opts.runs} runs × ${opts.perRun} results, ${opts.jobsPerRun} jobs × ${opts.chunks} log chunks of 1 KiB per run; ${opts.agents} fake agents, ${opts.inFlight} runs in flight; batch ${flags.batch ?? 'default (500)'}, pause ${flags['pause-ms'] ?? 'default (5)'} ms; node ${process.version}, ${availableParallelism()} CPUs, ${loadBefore} before, ${machineLoad()} after`,
      `pass: ${fx((passTo - passFrom) / 1000)} s; deleted ${pass.runs} runs, ${pass.results} results, ${pass.logs} log chunks, ${pass.statements} statements (${fx(pass.results / ((passTo - passFrom) / 1000), 0)} results/s); ${resultsLeft} results left`,
      `claim latency before: p50 ${fx(pct(before, 50))} ms, p99 ${fx(p99b)} ms (${before.length} jobs)`,
      `claim latency during: p50 ${fx(pct(during, 50))} ms, p99 ${fx(p99d)} ms (${during.length} jobs; ${fx(l.st.samples.filter(([at]) => at >= passFrom && at < passTo).length / ((passTo - passFrom) / 1000), 0)} jobs/s)`,
      `target p99 during ≤ 2 × before (${fx(2 * p99b)} ms): ${verdict(p99d <= 2 * p99b)}`,
    ].join('\n')}\n`,
  );
  await server.stop();
}

await runBench(opts.timeLimitS, main);
