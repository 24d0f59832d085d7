import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { isAlive, survivors } from '../support/pids.js';
import { eventually, runEnded, startTestServer, type TestServer } from '../support/server.js';

const WORKER = resolve('test/fixtures/processes/batch-worker.mjs');

/** A suite directory of `.case` files the batch worker acts on by name (see its header). */
function suite(root: string, name: string, files: string[]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'cases'), { recursive: true });
  for (const f of files) writeFileSync(join(dir, 'cases', f), '');
  return dir;
}

describeEachDialect('queue mode with the embedded agent', (dialect) => {
  let s: TestServer;
  let work: string;
  const pidFile = () => join(work, 'worker-pids');
  const workerPids = () => readFileSync(pidFile(), 'utf8').trim().split('\n').filter(Boolean).map(Number);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-queue-mode-'));
    const ok = Array.from({ length: 12 }, (_, i) => `ok-${String(i).padStart(2, '0')}.case`);
    suite(work, 'mixed', [...ok, 'fail-1.case']);
    suite(work, 'crash', [...ok.slice(0, 6), 'exit-1.case']);
    suite(work, 'hang', ['hang-1.case', 'ok-1.case', 'ok-2.case']);
    // Tests of their own names: not estimated from the other plans' runs of the same keys.
    suite(work, 'timeout', ['hang-9.case', 'ok-8.case', 'ok-9.case']);
    s = await startTestServer(dialect, { localAgent: true, slots: 2, workdir: work });
    const options = `{ command: "false", discover: "cases/*.case", worker: "'${process.execPath}' '${WORKER}'" }`;
    const file = `
environments:
  node: { variables: { WORKER_PIDS: ${pidFile()} } }
plans:
  mixed: { framework: command, workdir: mixed, environments: [node], max_parallel: 2, options: ${options} }
  crash: { framework: command, workdir: crash, environments: [node], max_parallel: 2, options: ${options} }
  hang: { framework: command, workdir: hang, environments: [node], max_parallel: 2, options: ${options} }
  short: { framework: command, workdir: timeout, environments: [node], max_parallel: 1, timeout: 1s, options: ${options} }
`;
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
  });
  afterAll(() => s?.close());

  const finished = (id: number) => runEnded(s, id);
  const resultsOf = async (id: number) =>
    new Map(
      (
        (await s.api('GET', `/api/v1/runs/${id}/results?limit=1000`)).body.items as {
          scenario: { file: string };
          status: string;
          attempts: number;
        }[]
      ).map((r) => [r.scenario.file, r]),
    );

  it('runs every scenario once, one worker per slot for the whole run, and stops the workers after it', async () => {
    writeFileSync(pidFile(), '');
    const run = (await s.api('POST', '/api/v1/plans/mixed/runs', {})).body;
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', result: 'failed', counts: { total: 13, passed: 12, failed: 1 } });
    const results = await resultsOf(run.id);
    expect(results.get('cases/fail-1.case')).toMatchObject({ status: 'failed', attempts: 1 });
    expect([...results.values()].every((r) => r.attempts === 1)).toBe(true);
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      kind: string;
      scenario_count: number;
    }[];
    expect(jobs.filter((j) => j.kind === 'execute').map((j) => j.scenario_count)).toEqual(Array(13).fill(1));
    // 13 jobs, 2 slots: a worker per slot (at most), not a process per job.
    const pids = workerPids();
    expect(pids.length).toBeGreaterThanOrEqual(1);
    expect(pids.length).toBeLessThanOrEqual(2);
    expect(await survivors(pids)).toEqual([]);
    // Each worker's first batch paid its start and says so: its wall time is not learnt as a job's
    // cost; every later batch's is.
    const walls = await s.proctor.server.store.db
      .selectFrom('attempts')
      .innerJoin('jobs', 'jobs.id', 'attempts.job_id')
      .select('attempts.duration_ms')
      .where('jobs.run_id', '=', run.id)
      .where('jobs.kind', '=', 'execute')
      .execute();
    expect(walls.filter((w) => w.duration_ms === null)).toHaveLength(pids.length);
    expect(walls.filter((w) => w.duration_ms !== null)).toHaveLength(13 - pids.length);
  });

  it('a worker that dies takes only its batch with it; the next batch gets a new worker', async () => {
    writeFileSync(pidFile(), '');
    const run = (await s.api('POST', '/api/v1/plans/crash/runs', {})).body;
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', counts: { total: 7, passed: 6, aborted: 1 } });
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      status: string;
      error: string | null;
    }[];
    expect(jobs.find((j) => j.status === 'errored')?.error).toMatch(/no report.*exit code 3/);
    // exit-1 sorts first: its slot's later batches needed a worker of their own.
    expect(workerPids().length).toBeGreaterThanOrEqual(2);
    expect(await survivors(workerPids())).toEqual([]);
  });

  it('cancel stops the workers of the run', async () => {
    writeFileSync(pidFile(), '');
    const run = (await s.api('POST', '/api/v1/plans/hang/runs', {})).body;
    // Both other scenarios passed, and the hanging one's worker is up (on a loaded machine it may
    // still be starting when the other slot is done).
    await eventually(async () =>
      (await s.api('GET', `/api/v1/runs/${run.id}`)).body.counts.passed === 2 ? true : undefined,
    );
    await eventually(async () => (workerPids().some(isAlive) ? true : undefined));
    expect((await s.api('POST', `/api/v1/runs/${run.id}/cancel`)).status).toBe(200);
    expect(await finished(run.id)).toMatchObject({ status: 'cancelled', counts: { passed: 2, stopped: 1 } });
    expect(await survivors(workerPids())).toEqual([]);
  });

  it('a batch over the job timeout stops its worker and records the timeout', async () => {
    writeFileSync(pidFile(), '');
    const run = (await s.api('POST', '/api/v1/plans/short/runs', {})).body;
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted', counts: { passed: 2, aborted: 1 } });
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      status: string;
      ended_by: string | null;
    }[];
    expect(jobs.filter((j) => j.status === 'errored')).toMatchObject([{ ended_by: 'timeout' }]);
    expect(await survivors(workerPids())).toEqual([]);
  });
});
