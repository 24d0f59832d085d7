import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { survivors } from '../support/pids.js';
import { adminApi, freshPostgresDatabase, spawnAgent, spawnServer, type SpawnedServer } from '../support/processes.js';
import { eventually } from '../support/server.js';

const SCENARIOS = 30;
const RUNS = 3;
const LEASE_MS = 2_000;
const WORKER = resolve('test/fixtures/processes/batch-worker.mjs');

/**
 * Crash test: an agent is killed with SIGKILL mid-job `kills` times in a row (a fresh agent takes
 * its place each time) and the server is killed and restarted once. Afterwards every scenario of
 * every run has exactly one final result, all passed: nothing lost, nothing counted twice, and
 * each lost job went back to the queue within its lease. In queue mode the agent also holds
 * lookaheads when it dies, and its workers must not outlive it.
 */
function crashRecovery(mode: 'process' | 'queue', kills: number) {
  describeEachDialect(`crash recovery, ${mode === 'queue' ? 'queue mode' : 'a process per job'}`, (dialect) =>
    suite(dialect, mode, kills),
  );
}
crashRecovery('process', 50);
crashRecovery('queue', 20);

function suite(dialect: 'sqlite' | 'postgres', mode: 'process' | 'queue', KILLS: number) {
  let server: SpawnedServer;
  let drop: (() => Promise<void>) | undefined;
  let work: string;
  let token: string;
  let agent: ReturnType<typeof spawnAgent> | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-crash-'));
    mkdirSync(join(work, 'checks'));
    cpSync(resolve('examples/demo/command/run-checks.mjs'), join(work, 'run-checks.mjs'));
    for (let i = 0; i < SCENARIOS; i++)
      writeFileSync(join(work, 'checks', `slow-${String(i).padStart(2, '0')}.sh`), '#!/bin/sh\nsleep 0.3\n');
    writeFileSync(join(work, 'worker-pids'), '');
    const pgdb = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
    drop = pgdb?.drop;
    server = await spawnServer({
      dataDir: mkdtempSync(join(tmpdir(), 'proctor-crash-data-')),
      ...(pgdb ? { databaseUrl: pgdb.url } : {}),
      env: { PROCTOR_LEASE_MS: String(LEASE_MS), PROCTOR_MAX_ATTEMPTS: '500' },
    });
    token = (await adminApi(server.url, 'POST', '/api/v1/agents/tokens', { name: 'crashing machines' })).body.secret;
    // Queue mode: the batch worker fixture sleeps 300 ms for each `slow-*` file, as the checks do.
    const worker = mode === 'queue' ? `, worker: "node '${WORKER}'"` : '';
    const file = `environments:\n  e: { variables: { WORKER_PIDS: ${join(work, 'worker-pids')} } }\nplans:\n  crashy: { framework: command, workdir: ., environments: [e], max_parallel: 4, options: { command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh"${worker} } }\n`;
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', file)).status).toBe(200);
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await server?.stop();
    await drop?.();
  });

  let spawned = 0;
  const startAgent = () =>
    (agent = spawnAgent({ server: server.url, token, slots: 2, workdir: work, name: `doomed-${++spawned}` }));

  const workersStarted = () => readFileSync(join(work, 'worker-pids'), 'utf8').split('\n').filter(Boolean).length;

  /** Waits until the current agent (the newest) holds a running job; in queue mode, also until it started a worker since `workersBefore`. */
  const busy = (workersBefore: number) =>
    eventually(
      async () => {
        if (mode === 'queue' && workersStarted() <= workersBefore) return undefined;
        const agents = (await adminApi(server.url, 'GET', '/api/v1/agents')).body.items as {
          name: string;
          busy_slots: number;
        }[];
        return agents.find((a) => a.name === `doomed-${spawned}` && a.busy_slots > 0);
      },
      60_000,
      50,
    );

  it(`loses and duplicates nothing through ${KILLS} agent kills and a server crash`, async () => {
    const runs: number[] = [];
    for (let r = 0; r < RUNS; r++)
      runs.push((await adminApi(server.url, 'POST', '/api/v1/plans/crashy/runs', {})).body.id);
    /** When each killed agent (by name) was killed. */
    const killedAt = new Map<string, number>();
    let restartedAt = 0;
    let workersBefore = workersStarted();
    startAgent();
    for (let k = 0; k < KILLS; k++) {
      // Keep work in the queue: a kill needs a job to interrupt.
      const active = (await adminApi(server.url, 'GET', '/api/v1/runs?status=queued,running&limit=1')).body.items;
      if (active.length === 0) runs.push((await adminApi(server.url, 'POST', '/api/v1/plans/crashy/runs', {})).body.id);
      await busy(workersBefore);
      killedAt.set(`doomed-${spawned}`, Date.now());
      agent!.kill('SIGKILL');
      await new Promise((r) => agent!.once('exit', r));
      if (k === KILLS / 2) {
        await server.crashAndRestart();
        restartedAt = Date.now();
      }
      workersBefore = workersStarted();
      startAgent();
    }
    for (const id of runs) {
      await eventually(
        async () =>
          (await adminApi(server.url, 'GET', `/api/v1/runs/${id}`)).body.status === 'completed' ? true : undefined,
        240_000,
        250,
      );
    }
    for (const id of runs) {
      const run = (await adminApi(server.url, 'GET', `/api/v1/runs/${id}`)).body;
      expect(run).toMatchObject({
        status: 'completed',
        result: 'passed',
        counts: { total: SCENARIOS, passed: SCENARIOS },
      });
      const rows = (await adminApi(server.url, 'GET', `/api/v1/runs/${id}/results?limit=1000`)).body.items as {
        scenario: { key: string };
        status: string;
      }[];
      expect(rows).toHaveLength(SCENARIOS);
      expect(new Set(rows.map((r) => r.scenario.key)).size).toBe(SCENARIOS);
    }
    const lost: { agent_id: number; finished_at: string }[] = [];
    for (const id of runs) {
      const jobs = (await adminApi(server.url, 'GET', `/api/v1/runs/${id}/jobs`)).body.items as {
        attempts: { agent_id: number; status: string; finished_at: string }[];
      }[];
      for (const j of jobs) lost.push(...j.attempts.filter((a) => a.status === 'lost'));
    }
    expect(lost.length).toBeGreaterThanOrEqual(KILLS - 5);
    // Each attempt a kill cost was requeued within lease + reaper pass + slack of its agent's kill,
    // except those whose lease ran out while the server itself was down. (An agent that lives on
    // may lose an attempt too, when a loaded machine delays its heartbeat past the 2 s lease.)
    const names = new Map(
      ((await adminApi(server.url, 'GET', '/api/v1/agents')).body.items as { id: number; name: string }[]).map((a) => [
        a.id,
        a.name,
      ]),
    );
    let timed = 0;
    for (const a of lost) {
      const at = Date.parse(a.finished_at);
      const kill = killedAt.get(names.get(a.agent_id) ?? '');
      if (kill === undefined || (at >= restartedAt && at < restartedAt + 10_000)) continue;
      expect(
        at - kill,
        `an attempt of ${names.get(a.agent_id)} was requeued ${at - kill} ms after the agent was killed`,
      ).toBeLessThanOrEqual(LEASE_MS + 4_000);
      timed++;
    }
    expect(timed).toBeGreaterThanOrEqual(KILLS - 10);
    // A killed agent's workers see their stdin close and exit: none is left.
    // In queue mode each kill waited for the agent's worker to start: every killed agent had one.
    const workers = readFileSync(join(work, 'worker-pids'), 'utf8').split('\n').filter(Boolean).map(Number);
    if (mode === 'queue') expect(workers.length).toBeGreaterThanOrEqual(KILLS);
    expect(await survivors(workers)).toEqual([]);
  }, 600_000);
}
