import { cpSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { survivors } from '../support/pids.js';
import { adminApi, freshPostgresDatabase, spawnAgent, spawnServer, type SpawnedServer } from '../support/processes.js';
import { eventually } from '../support/server.js';

/** Suites of shell checks: how many, and how long each sleeps. */
const SUITES = { quick: { count: 8, seconds: 1 }, slow: { count: 4, seconds: 3 } } as const;

/** Pids of the processes whose working directory is `dir` (the check runners and their scripts). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

type Result = { scenario: { key: string }; status: string };
type Job = { status: string; attempts: { status: string; error: string | null }[] };

/**
 * `proctor agent` on SIGTERM: it stops claiming, lets the jobs under way finish within `--drain`,
 * hands back the rest (lookaheads at once), leaves no framework process behind, and exits 0;
 * another agent then runs what was handed back. With a process per job and in queue mode.
 */
describeEachDialect('proctor agent on SIGTERM', (dialect) => {
  let server: SpawnedServer;
  let drop: (() => Promise<void>) | undefined;
  let work: string;
  let token: string;

  beforeAll(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), 'proctor-shutdown-')));
    // A suite per plan, with checks of its own names: no plan's first run is estimated from
    // another's durations of the same tests, so each run's jobs are what its mode makes of guesses.
    for (const [suite, { count, seconds }] of Object.entries(SUITES))
      for (const mode of ['process', 'queue']) {
        const dir = `${suite}-${mode}`;
        mkdirSync(join(work, dir, 'checks'), { recursive: true });
        cpSync(resolve('examples/demo/command/run-checks.mjs'), join(work, dir, 'run-checks.mjs'));
        for (let i = 0; i < count; i++)
          writeFileSync(join(work, dir, 'checks', `${mode}-c${i}.sh`), `#!/bin/sh\nsleep ${seconds}\n`);
      }
    const pgdb = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
    drop = pgdb?.drop;
    // A long lease: what goes back to the queue here goes back because the agent handed it back.
    server = await spawnServer({
      dataDir: mkdtempSync(join(tmpdir(), 'proctor-shutdown-data-')),
      ...(pgdb ? { databaseUrl: pgdb.url } : {}),
      env: { PROCTOR_LEASE_MS: '120000' },
    });
    token = (await adminApi(server.url, 'POST', '/api/v1/agents/tokens', { name: 'shutdown' })).body.secret;
    const options = (worker: boolean) =>
      `{ command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh"${worker ? ', worker: "node run-checks.mjs --worker"' : ''} }`;
    const plans = ['quick', 'slow'].flatMap((dir) => [
      `  ${dir}-process: { framework: command, workdir: ${dir}-process, environments: [e], max_parallel: 2, options: ${options(false)} }`,
      `  ${dir}-queue: { framework: command, workdir: ${dir}-queue, environments: [e], max_parallel: 2, options: ${options(true)} }`,
    ]);
    expect(
      (await adminApi(server.url, 'POST', '/api/v1/apply', `environments:\n  e: {}\nplans:\n${plans.join('\n')}\n`))
        .status,
    ).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  const get = async <T>(path: string) => (await adminApi<T>(server.url, 'GET', path)).body;
  const resultsOf = async (run: number) =>
    (await get<{ items: Result[] }>(`/api/v1/runs/${run}/results?limit=1000`)).items;
  const jobsOf = async (run: number) => (await get<{ items: Job[] }>(`/api/v1/runs/${run}/jobs`)).items;
  const handedBack = (jobs: Job[]) =>
    jobs.flatMap((j) => j.attempts).filter((a) => a.error === 'the agent stopped; job handed back').length;

  /** Starts a run and an agent, waits until `ready` holds, SIGTERMs the agent and waits for it to exit. */
  async function stopMidRun(plan: string, drainS: number, ready: (results: Result[]) => boolean) {
    const run = (await adminApi(server.url, 'POST', `/api/v1/plans/${plan}/runs`, {})).body.id as number;
    const agent = spawnAgent({ server: server.url, token, slots: 2, workdir: work, name: `${plan}-first`, drainS });
    await eventually(async () => (ready(await resultsOf(run)) ? true : undefined), 60_000, 50);
    const exited = new Promise<number | null>((done) => agent.once('exit', (code) => done(code)));
    agent.kill('SIGTERM');
    expect(await exited, agent.output()).toBe(0);
    return run;
  }

  /** A second agent finishes the run: every scenario has exactly one final result, passed. */
  async function finishRun(run: number, plan: string, scenarios: number) {
    const agent = spawnAgent({ server: server.url, token, slots: 2, workdir: work, name: `${plan}-second` });
    const gone = new Promise((done) => agent.once('exit', done));
    try {
      await eventually(
        async () => ((await get<{ status: string }>(`/api/v1/runs/${run}`)).status === 'completed' ? true : undefined),
        90_000,
        100,
      );
    } finally {
      // Gone before the next test triggers its run: a long poll would hand it the next run's job.
      agent.kill('SIGKILL');
      await gone;
    }
    const results = await resultsOf(run);
    expect(results).toHaveLength(scenarios);
    expect(new Set(results.map((r) => r.scenario.key)).size).toBe(scenarios);
    expect(results.every((r) => r.status === 'passed')).toBe(true);
  }

  for (const mode of ['process', 'queue'] as const) {
    it(`${mode === 'queue' ? 'queue mode' : 'a process per job'}: jobs under way finish within the drain; nothing new is started`, async () => {
      // Two 1 s scenarios under way (and in queue mode lookaheads waiting behind them).
      const run = await stopMidRun(`quick-${mode}`, 30, (rs) => rs.filter((r) => r.status === 'running').length >= 2);
      const results = await resultsOf(run);
      expect(results.filter((r) => r.status === 'running')).toEqual([]);
      // What was under way passed; nothing else ran after SIGTERM (a lookahead went back unstarted).
      const passed = results.filter((r) => r.status === 'passed').length;
      expect(passed).toBeGreaterThanOrEqual(1);
      expect(passed).toBeLessThanOrEqual(4);
      expect(results.filter((r) => r.status === 'queued')).toHaveLength(SUITES.quick.count - passed);
      if (mode === 'process') expect(handedBack(await jobsOf(run))).toBe(0);
      expect(processesIn(join(work, `quick-${mode}`))).toEqual([]);
      await finishRun(run, `quick-${mode}`, SUITES.quick.count);
    }, 180_000);

    it(`${mode === 'queue' ? 'queue mode' : 'a process per job'}: what outlasts the drain is handed back and run again elsewhere`, async () => {
      // Two 3 s scenarios under way, a 0.5 s drain: both go back.
      const run = await stopMidRun(`slow-${mode}`, 0.5, (rs) => rs.filter((r) => r.status === 'running').length >= 2);
      expect((await resultsOf(run)).filter((r) => r.status === 'running')).toEqual([]);
      expect(handedBack(await jobsOf(run))).toBeGreaterThanOrEqual(2);
      expect(await survivors(processesIn(join(work, `slow-${mode}`)))).toEqual([]);
      await finishRun(run, `slow-${mode}`, SUITES.slow.count);
    }, 180_000);
  }
});
