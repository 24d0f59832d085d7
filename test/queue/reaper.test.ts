import { afterAll, beforeAll, expect, it } from 'vitest';
import { reap } from '../../src/queue/reaper.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const KEYS = ['t.test > one', 't.test > two'];

describeEachDialect('reaper', (dialect) => {
  let s: TestServer;
  let now = Date.now();
  beforeAll(async () => {
    // The reaper runs on the injected clock; tests move time instead of sleeping.
    s = await startTestServer(dialect, {
      start: {
        clock: () => now,
        reapEveryMs: 3_600_000,
        settings: { leaseMs: 10_000, maxAttempts: 2, processOverheadMs: 10_000 },
      },
    });
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e], timeout: 1m }\n  slow: { framework: command, environments: [e], run_timeout: 5m }\n',
    );
  });
  afterAll(() => s?.close());
  const q = () => s.proctor.server.queue;
  const run = async (id: number) => (await s.api('GET', `/api/v1/runs/${id}`)).body;

  async function runningJob(a: ProtocolAgent, plan = 'p') {
    const r = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    const [disc] = await a.claim(1);
    await a.discover(disc!, KEYS);
    const [job] = await a.claim(1);
    return { r, job: job! };
  }

  it('requeues a job whose lease expired; the stale attempt is fenced off; attempts are bounded', async () => {
    const a = await ProtocolAgent.register(s);
    const b = await ProtocolAgent.register(s);
    const { r, job } = await runningJob(a);
    now += 5_000;
    expect((await reap(q())).requeued).toBe(0);
    now += 6_000;
    expect((await reap(q())).requeued).toBe(1);
    const [again] = await b.claim(1);
    expect(again!.job_id).toBe(job.job_id);
    expect(again!.attempt).toBe(2);
    expect((await a.execute(job, () => 'passed')).status).toBe(409);
    expect((await a.heartbeat([job])).body.lost).toEqual([job.job_id]);
    now += 11_000;
    expect((await reap(q())).errored).toBe(1);
    expect(await b.claim(1)).toEqual([]);
    const done = await run(r.id);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted', counts: { aborted: 2 } });
    const jobs = (await s.api('GET', `/api/v1/runs/${r.id}/jobs`)).body.items;
    const reaped = jobs.find((j: { id: number }) => j.id === job.job_id);
    expect(reaped).toMatchObject({ status: 'errored', ended_by: 'agent_lost', end_reason: 'lease_expired' });
    expect(reaped.attempts.map((x: { status: string }) => x.status)).toEqual(['lost', 'lost']);
    expect((await b.execute(again!, () => 'passed')).status).toBe(409);
  });

  it('errors a job its dead agent never finished past its timeout, and aborts a run past its deadline', async () => {
    const a = await ProtocolAgent.register(s);
    const { r, job } = await runningJob(a);
    for (let i = 0; i < 8; i++) {
      now += 9_000;
      await a.heartbeat([job]);
    }
    await reap(q());
    expect(await run(r.id)).toMatchObject({ status: 'completed', result: 'aborted' });
    const jobs = (await s.api('GET', `/api/v1/runs/${r.id}/jobs`)).body.items;
    expect(jobs.find((j: { id: number }) => j.id === job.job_id)).toMatchObject({
      status: 'errored',
      ended_by: 'timeout',
    });

    const slow = (await s.api('POST', '/api/v1/plans/slow/runs', {})).body;
    now += 6 * 60_000;
    expect((await reap(q())).timedOutRuns).toBe(1);
    expect(await run(slow.id)).toMatchObject({ status: 'completed', result: 'aborted', ended_by: 'timeout' });
  });
});
