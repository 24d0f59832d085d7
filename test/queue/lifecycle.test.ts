import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const FILE = `
environments:
  e1: {}
  e2: { labels: [special] }
  e3: { labels: [ghost] }
plans:
  basic: { framework: command, environments: [e1] }
  two-envs: { framework: command, environments: [e1, e2] }
  retrying: { framework: command, environments: [e1], retries: 2 }
  failfast: { framework: command, environments: [e1], fail_fast: 1, max_parallel: 1 }
  picky: { framework: command, environments: [e1], scenarios: { include: ["a/**"] } }
  impatient: { framework: command, environments: [e3], on_unavailable: fail }
  patient: { framework: command, environments: [e3] }
  fix-first: { framework: command, environments: [e1], failed_first: true, max_parallel: 1 }
  queue-mode: { framework: command, environments: [e1], max_parallel: 2, options: { worker: "node worker.mjs" } }
  process-mode: { framework: command, environments: [e1], max_parallel: 2 }
`;
/** Eight scenarios: enough for lookaheads while more are queued than twice those running. */
const EIGHT = Array.from({ length: 8 }, (_, i) => `q/s${i}.test > works`);
const KEYS = ['a/one.test > works', 'a/one.test > fails', 'a/two.test > skips', 'b/three.test > works'];

describeEachDialect('run lifecycle over the agent protocol', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect, { start: { settings: { processOverheadMs: 0 } } });
    await s.api('POST', '/api/v1/apply', FILE);
    agent = await ProtocolAgent.register(s, ['special']);
  });
  afterAll(() => s?.close());

  const run = async (id: number) => (await s.api('GET', `/api/v1/runs/${id}`)).body;
  const results = async (id: number) =>
    (await s.api('GET', `/api/v1/runs/${id}/results?limit=1000`)).body.items as {
      scenario: { key: string };
      environment: string;
      status: string;
      attempts: number;
      message: string | null;
    }[];
  const trigger = async (plan: string, body: object = {}) =>
    (await s.api('POST', `/api/v1/plans/${plan}/runs`, body)).body;

  /** Claims and answers jobs until none is left. */
  async function drain(
    outcomeOf: (key: string, env: string) => 'passed' | 'failed' | 'skipped' | 'errored' | undefined,
  ) {
    for (let i = 0; i < 100; i++) {
      const jobs = await agent.claim(4);
      if (jobs.length === 0) return;
      for (const job of jobs) {
        if (job.kind === 'discover') expect((await agent.discover(job, KEYS)).status).toBe(200);
        else expect((await agent.execute(job, (k) => outcomeOf(k, job.environment.name))).status).toBe(200);
      }
    }
  }

  it('runs discovery, then every scenario × environment, and completes with counts and a verdict', async () => {
    const r = await trigger('two-envs');
    expect(r.unavailable_environments).toEqual([]);
    await drain((k) => (k.includes('fails') ? 'failed' : k.includes('skips') ? 'skipped' : 'passed'));
    const done = await run(r.id);
    expect(done).toMatchObject({ status: 'completed', result: 'failed' });
    expect(done.counts).toMatchObject({ total: 8, passed: 4, failed: 2, skipped: 2, queued: 0, running: 0 });
    const rows = await results(r.id);
    expect(rows).toHaveLength(8);
    expect(rows.find((x) => x.scenario.key === 'a/one.test > fails' && x.environment === 'e2')).toMatchObject({
      status: 'failed',
      message: 'boom in a/one.test > fails',
      attempts: 1,
    });
    expect((await s.api('GET', `/api/v1/runs/${r.id}/results?status=failed`)).body.items).toHaveLength(2);
  });

  it('applies the plan selection and the trigger scenarios', async () => {
    const r = await trigger('picky');
    await drain(() => 'passed');
    expect((await results(r.id)).map((x) => x.scenario.key).sort()).toEqual([
      'a/one.test > fails',
      'a/one.test > works',
      'a/two.test > skips',
    ]);
    const only = await trigger('basic', { scenarios: ['b/three.test > works'] });
    await drain(() => 'passed');
    expect(await run(only.id)).toMatchObject({ result: 'passed', counts: { total: 1, passed: 1 } });
  });

  it('retries failed scenarios and marks a later pass flaky', async () => {
    const r = await trigger('retrying');
    const seen = new Map<string, number>();
    await drain((k) => {
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (k.includes('fails')) return n < 3 ? 'failed' : 'passed';
      if (k.includes('three')) return 'failed';
      return 'passed';
    });
    const rows = await results(r.id);
    expect(rows.find((x) => x.scenario.key === 'a/one.test > fails')).toMatchObject({ status: 'flaky', attempts: 3 });
    expect(rows.find((x) => x.scenario.key === 'b/three.test > works')).toMatchObject({
      status: 'failed',
      attempts: 3,
    });
    expect(await run(r.id)).toMatchObject({ result: 'failed', counts: { flaky: 1, failed: 1, passed: 2 } });
  });

  it('stops dispatching after fail_fast failures', async () => {
    const r = await trigger('failfast');
    const [disc] = await agent.claim(1);
    await agent.discover(disc!, KEYS);
    const [first] = await agent.claim(1);
    await agent.execute(first!, () => 'failed');
    const done = await run(r.id);
    expect(done).toMatchObject({ status: 'completed', result: 'failed', ended_by: 'fail_fast' });
    expect(done.counts.not_executed).toBeGreaterThan(0);
    expect(await agent.claim(4)).toEqual([]);
  });

  it('marks scenarios the framework did not report as not executed, and an errored job aborts its scenarios', async () => {
    const r = await trigger('basic');
    const [disc] = await agent.claim(1);
    await agent.discover(disc!, KEYS);
    const jobs = await agent.claim(4);
    await agent.execute(jobs[0]!, (k) => (k.includes('works') ? 'passed' : undefined));
    for (const job of jobs.slice(1))
      await agent.complete(job, { outcome: 'errored', reason: 'report_missing', error: 'no report was written' });
    const rows = await results(r.id);
    expect(rows.some((x) => x.status === 'not_executed' || x.status === 'aborted')).toBe(true);
    const done = await run(r.id);
    expect(done.status).toBe('completed');
    expect(done.counts.queued + done.counts.running).toBe(0);
    const jobsView = (await s.api('GET', `/api/v1/runs/${r.id}/jobs`)).body.items;
    if (jobs.length > 1)
      expect(
        jobsView.some(
          (j: { status: string; ended_by: string; end_reason: string }) =>
            j.status === 'errored' && j.ended_by === 'system' && j.end_reason === 'report_missing',
        ),
      ).toBe(true);
  });

  it('aborts the run when discovery fails', async () => {
    const r = await trigger('basic');
    const [disc] = await agent.claim(1);
    await agent.complete(disc!, { outcome: 'errored', reason: 'framework_missing', error: 'vitest is not installed' });
    expect(await run(r.id)).toMatchObject({ status: 'completed', result: 'aborted', ended_by: 'system' });
    expect((await run(r.id)).end_reason).toContain('vitest is not installed');
  });

  describe('completion', () => {
    it('is idempotent and fenced by the lease token', async () => {
      const r = await trigger('basic', { scenarios: ['b/three.test > works'] });
      const [disc] = await agent.claim(1);
      await agent.discover(disc!, KEYS);
      const [job] = await agent.claim(1);
      expect((await agent.complete(job!, { outcome: 'completed', results: [] }, 'f'.repeat(32))).status).toBe(409);
      const stranger = await ProtocolAgent.register(s);
      expect((await stranger.complete(job!, { outcome: 'completed', results: [] })).status).toBe(409);
      const first = await agent.execute(job!, () => 'passed');
      expect(first.body).toEqual({ duplicate: false, jobs: [] });
      const again = await agent.execute(job!, () => 'failed');
      expect(again.body).toEqual({ duplicate: true, jobs: [] });
      expect(await run(r.id)).toMatchObject({ result: 'passed', counts: { total: 1, passed: 1 } });
    });

    it('claims the next job in the same call when asked, fenced like a claim', async () => {
      const r = await trigger('basic', { scenarios: ['a/one.test > works', 'b/three.test > works'] });
      const [disc] = await agent.claim(1);
      // The discovery's completion hands over the first execute job: no claim call between them.
      const expanded = await agent.discover(disc!, KEYS, { claim: { free_slots: 1 } });
      expect(expanded.status).toBe(200);
      const [first] = expanded.body.jobs as ClaimedJob[];
      expect(first).toMatchObject({ run_id: r.id, kind: 'execute', attempt: 1 });
      const second = (await agent.execute(first!, () => 'passed', { claim: { free_slots: 2 } })).body
        .jobs as ClaimedJob[];
      expect(second).toHaveLength(1);
      expect(second[0]!.job_id).not.toBe(first!.job_id);
      // Nothing left: the last completion claims nothing, and the run is done.
      expect((await agent.execute(second[0]!, () => 'passed', { claim: { free_slots: 1 } })).body).toEqual({
        duplicate: false,
        jobs: [],
      });
      expect(await run(r.id)).toMatchObject({ status: 'completed', result: 'passed', counts: { total: 2, passed: 2 } });
      // A refused completion claims nothing either.
      const stale = await agent.complete(
        second[0]!,
        { outcome: 'completed', results: [], claim: { free_slots: 1 } },
        'f'.repeat(32),
      );
      expect(stale.status).toBe(409);
    });

    it('renews leases by heartbeat and tells the agent to cancel', async () => {
      const r = await trigger('basic', { scenarios: ['b/three.test > works'] });
      const [disc] = await agent.claim(1);
      await agent.discover(disc!, KEYS);
      const [job] = await agent.claim(1);
      expect((await agent.heartbeat([job!])).body).toMatchObject({ cancel: [], lost: [] });
      await s.api('POST', `/api/v1/runs/${r.id}/cancel`);
      expect((await agent.heartbeat([job!])).body).toMatchObject({ cancel: [job!.job_id], lost: [] });
      expect((await agent.heartbeat([{ ...job!, lease_token: 'x'.repeat(32) }])).body.lost).toEqual([job!.job_id]);
      expect((await agent.complete(job!, { outcome: 'cancelled', reason: 'cancelled' })).status).toBe(200);
      expect(await run(r.id)).toMatchObject({ status: 'cancelled', result: 'stopped', counts: { stopped: 1 } });
    });
  });

  it('gives jobs only to agents carrying their environment labels', async () => {
    const plain = await ProtocolAgent.register(s, []);
    const r = await trigger('two-envs', { environments: ['e2'] });
    expect(await plain.claim(4)).toEqual([]);
    const [disc] = await agent.claim(1);
    expect(disc!.environment.name).toBe('e2');
    await agent.discover(disc!, KEYS);
    expect(await plain.claim(4)).toEqual([]);
    await drain(() => 'passed');
    expect((await run(r.id)).result).toBe('passed');
  });

  it('waits for an agent by default, or aborts at once when the plan says so', async () => {
    const waits = await trigger('patient');
    expect(waits.unavailable_environments).toEqual(['e3']);
    expect((await run(waits.id)).status).toBe('queued');
    const fails = await trigger('impatient');
    expect(await run(fails.id)).toMatchObject({
      status: 'completed',
      result: 'aborted',
      ended_by: 'system',
      unavailable_environments: ['e3'],
    });
    expect((await run(fails.id)).end_reason).toContain('no live agent can serve e3');
    await s.api('POST', `/api/v1/runs/${waits.id}/cancel`);
  });

  it('dispatches what failed last time first, with failed_first', async () => {
    const first = await trigger('fix-first');
    await drain((k) => (k === 'b/three.test > works' ? 'failed' : 'passed'));
    expect((await run(first.id)).result).toBe('failed');
    await trigger('fix-first');
    const [disc] = await agent.claim(1);
    await agent.discover(disc!, KEYS);
    const [job] = await agent.claim(1);
    // Without failed_first it would come last: all durations are equal and ties keep discovery order.
    expect(job!.scenarios.map((x) => x.key)).toContain('b/three.test > works');
    await agent.execute(job!, () => 'passed');
    await drain(() => 'passed');
  });

  it('answers a long-polling claim as soon as a job is queued', async () => {
    const waiting = agent.claim(1, 10_000);
    await new Promise((res) => setTimeout(res, 100));
    const r = await trigger('basic', { scenarios: ['b/three.test > works'] });
    const [job] = await waiting;
    expect(job!.run_id).toBe(r.id);
    await agent.discover(job!, KEYS);
    await drain(() => 'passed');
  });

  describe('queue mode', () => {
    const passed = () => 'passed' as const;
    const lookaheadOf = (body: { lookahead?: ClaimedJob[] }) => body.lookahead ?? [];

    it('dispatches one scenario per job without history, and lookaheads that take no slot of the run', async () => {
      const r = await trigger('queue-mode');
      const other = await ProtocolAgent.register(s);
      const [disc] = await agent.claim(1);
      const opened = (await agent.discover(disc!, EIGHT, { claim: { free_slots: 1, lookahead: {} } })).body;
      const [j1] = opened.jobs as ClaimedJob[];
      const [l1] = lookaheadOf(opened);
      expect(j1!.scenarios).toHaveLength(1);
      expect(l1).toMatchObject({ run_id: r.id, kind: 'execute', environment: { name: 'e1' } });
      expect(l1!.scenarios).toHaveLength(1);
      // The agent list shows the lookahead as waiting, not as a slot in use.
      const listed = (
        (await s.api('GET', '/api/v1/agents')).body.items as {
          busy_slots: number;
          jobs: { job_id: number; lookahead: boolean }[];
        }[]
      ).find((a) => a.jobs.some((j) => j.job_id === l1!.job_id));
      expect(listed).toMatchObject({
        busy_slots: 1,
        jobs: [
          { job_id: j1!.job_id, lookahead: false },
          { job_id: l1!.job_id, lookahead: true },
        ],
      });
      // max_parallel 2: the lookahead waits behind j1 on its slot, so a second slot still gets one.
      const [j2, more] = await other.claim(2);
      expect(j2).toBeDefined();
      expect(more).toBeUndefined();
      // j1 done: l1 now has the slot (and counts), and the next lookahead queues behind it.
      const next = (
        await agent.execute(j1!, passed, { claim: { free_slots: 0, lookahead: { after_job: l1!.job_id } } })
      ).body;
      expect(next.jobs).toEqual([]);
      const [l2] = lookaheadOf(next);
      expect(l2).toBeDefined();
      expect(await other.claim(1)).toEqual([]);
      // Few left (3 queued, 3 running): no more lookahead; the rest goes to whichever slot frees first.
      const last = (await other.execute(j2!, passed, { claim: { free_slots: 1, lookahead: {} } })).body;
      expect(last.jobs).toHaveLength(1);
      expect(lookaheadOf(last)).toEqual([]);
      // A lookahead names a running job of the asking agent; anything else gets none.
      expect(
        lookaheadOf(
          (await agent.execute(l1!, passed, { claim: { free_slots: 0, lookahead: { after_job: j2!.job_id } } })).body,
        ),
      ).toEqual([]);
      const rest = [l2!, ...(last.jobs as ClaimedJob[])];
      for (const j of rest) expect((await (j === l2 ? agent : other).execute(j, passed)).status).toBe(200);
      for (let jobs = await agent.claim(4); jobs.length > 0; jobs = await agent.claim(4))
        for (const j of jobs) await agent.execute(j, passed);
      expect(await run(r.id)).toMatchObject({ status: 'completed', result: 'passed', counts: { total: 8, passed: 8 } });
      expect((await results(r.id)).map((x) => x.attempts)).toEqual(Array(8).fill(1));
    });

    it('grants no lookahead behind a batch of several scenarios, nor outside queue mode', async () => {
      // With the history of the run above, jobs are batched: a lookahead would wait behind a batch.
      await trigger('queue-mode');
      const [disc] = await agent.claim(1);
      const withHistory = (await agent.discover(disc!, EIGHT, { claim: { free_slots: 1, lookahead: {} } })).body;
      expect((withHistory.jobs as ClaimedJob[])[0]!.scenarios.length).toBeGreaterThan(1);
      expect(lookaheadOf(withHistory)).toEqual([]);
      await trigger('process-mode');
      for (let jobs = await agent.claim(4); jobs.length > 0; jobs = await agent.claim(4)) {
        for (const j of jobs) {
          const body =
            j.kind === 'discover'
              ? (await agent.discover(j, EIGHT, { claim: { free_slots: 1, lookahead: {} } })).body
              : (await agent.execute(j, passed)).body;
          expect(lookaheadOf(body)).toEqual([]);
          for (const n of body.jobs as ClaimedJob[]) await agent.execute(n, passed);
        }
      }
    });

    it('grants no lookahead behind a job expected to take more than half of what is left per slot', async () => {
      const keys = Array.from({ length: 16 }, (_, i) => `tail/s${i}.test > works`);
      const r = await trigger('queue-mode');
      const [disc] = await agent.claim(1);
      await agent.discover(disc!, keys);
      const [j1, j2] = await agent.claim(2);
      const expectMs = (job: ClaimedJob, ms: number) =>
        s.proctor.server.store.db.updateTable('jobs').set({ expected_ms: ms }).where('id', '=', job.job_id).execute();
      // j1 is the heavy tail's long scenario: a lookahead behind it would wait while other slots idle.
      await expectMs(j1!, 1_000_000);
      const behindLong = (
        await agent.execute(j2!, passed, { claim: { free_slots: 0, lookahead: { after_job: j1!.job_id } } })
      ).body;
      expect(lookaheadOf(behindLong)).toEqual([]);
      // As short as the rest: the lookahead is granted.
      await expectMs(j1!, 1_000);
      const [j3] = await agent.claim(1);
      const behindShort = (
        await agent.execute(j3!, passed, { claim: { free_slots: 0, lookahead: { after_job: j1!.job_id } } })
      ).body;
      expect(lookaheadOf(behindShort)).toHaveLength(1);
      for (const j of [j1!, ...lookaheadOf(behindShort)]) await agent.execute(j, passed);
      for (let jobs = await agent.claim(4); jobs.length > 0; jobs = await agent.claim(4))
        for (const j of jobs) await agent.execute(j, passed);
      expect(await run(r.id)).toMatchObject({ status: 'completed', counts: { total: 16, passed: 16 } });
    });

    it('keeps a file’s scenarios in one job, in their discovered order, even at one file per job', async () => {
      // The scenarios are new to the plan and to the project (no history anywhere): one unit per
      // job, the unit being the file.
      const fresh = KEYS.map((k) => `fresh/${k}`);
      const r = await trigger('queue-mode');
      const [disc] = await agent.claim(1);
      await agent.discover(disc!, fresh);
      const jobs: string[][] = [];
      for (let claimed = await agent.claim(4); claimed.length > 0; claimed = await agent.claim(4)) {
        for (const j of claimed) {
          jobs.push(j.scenarios.map((x) => x.key));
          await agent.execute(j, passed);
        }
      }
      expect(jobs.sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([
        ['fresh/a/one.test > works', 'fresh/a/one.test > fails'],
        ['fresh/a/two.test > skips'],
        ['fresh/b/three.test > works'],
      ]);
      expect(await run(r.id)).toMatchObject({ status: 'completed', result: 'passed', counts: { total: 4, passed: 4 } });
    });
  });
});
