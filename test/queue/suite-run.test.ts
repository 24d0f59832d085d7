import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

const PLANS = `
environments:
  e1: {}
  e2: {}
plans:
  whole: { framework: command, environments: [e1], retries: 1, timeout: 7m }
  picked: { framework: command, environments: [e1], scenarios: { include: ['a*'] } }
  wide: { framework: command, environments: [e1, e2] }
  failfast: { framework: command, environments: [e1], fail_fast: 1 }
  parallel: { framework: command, environments: [e1] }
`;

const KEYS = ['a.test > one', 'a.test > two', 'b.test > three'];
const reportOf = (key: string, outcome: 'passed' | 'failed') => ({
  key,
  file: key.split(' > ')[0]!,
  path: key.split(' > ').slice(1),
  outcome,
  durationMs: 40,
  ...(outcome === 'failed' ? { message: `boom in ${key}` } : {}),
});
const scenarioOf = (key: string) => ({ key, file: key.split(' > ')[0]!, path: key.split(' > ').slice(1), tags: [] });

interface JobView {
  id: number;
  kind: string;
  status: string;
  suite_run: boolean;
  scenario_count: number;
  attempts: { status: string; error: string | null }[];
}

/**
 * A discovery offered to run the whole suite (queue/suite-run.ts): only where the run would be one
 * job anyway, with the plan's job timeout; its results are recorded as an execute job's, retries
 * included; an attempt that errs leaves the next one to discover as usual.
 */
describeEachDialect('A discovery that runs the whole suite', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api('POST', '/api/v1/apply', PLANS);
    agent = await ProtocolAgent.register(s, [], 1);
  });
  afterAll(() => s?.close());

  async function discoveryOf(plan: string, by = agent): Promise<{ runId: number; job: ClaimedJob }> {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    const [job] = await by.claim(1);
    expect(job).toMatchObject({ kind: 'discover', run_id: run.id });
    return { runId: run.id, job: job! };
  }

  const jobsOf = async (runId: number) => (await s.api('GET', `/api/v1/runs/${runId}/jobs`)).body.items as JobView[];
  const resultsOf = async (runId: number) =>
    (
      (await s.api('GET', `/api/v1/runs/${runId}/results?limit=100`)).body.items as {
        scenario: { key: string };
        status: string;
        attempts: number;
      }[]
    )
      .map((r) => ({ key: r.scenario.key, status: r.status, attempts: r.attempts }))
      .sort((a, b) => a.key.localeCompare(b.key));

  it('records the suite run as the run’s execution: results, a retry of what failed, then the run ends', async () => {
    const { runId, job } = await discoveryOf('whole');
    expect(job.run_suite).toBe(true);
    // The plan's job timeout, not a discovery's ten minutes at most.
    expect(job.timeout_ms).toBe(7 * 60_000);
    const done = await agent.complete(job, {
      outcome: 'completed',
      exit_code: 1,
      scenarios: KEYS.map(scenarioOf),
      results: KEYS.map((k) => reportOf(k, k === 'a.test > two' ? 'failed' : 'passed')),
    });
    expect(done.status).toBe(200);
    // The failed test goes again (retries: 1), alone, in an execute job.
    const [retry] = await agent.claim(1);
    expect(retry).toMatchObject({ kind: 'execute' });
    expect(retry!.run_suite).toBeUndefined();
    expect(retry!.scenarios.map((x) => x.key)).toEqual(['a.test > two']);
    expect((await agent.execute(retry!, () => 'passed')).status).toBe(200);
    expect((await runEnded(s, runId, 10_000)).status).toBe('completed');
    expect(await resultsOf(runId)).toEqual([
      { key: 'a.test > one', status: 'passed', attempts: 1 },
      { key: 'a.test > two', status: 'flaky', attempts: 2 },
      { key: 'b.test > three', status: 'passed', attempts: 1 },
    ]);
    const jobs = await jobsOf(runId);
    expect(jobs.map((j) => [j.kind, j.status, j.suite_run, j.scenario_count])).toEqual([
      ['discover', 'completed', true, 3],
      ['execute', 'completed', false, 1],
    ]);
  });

  it('discovers again on the next attempt when the suite run errs', async () => {
    const { runId, job } = await discoveryOf('whole');
    expect(job.run_suite).toBe(true);
    await agent.complete(job, {
      outcome: 'errored',
      reason: 'timeout',
      retryable: true,
      error:
        'running the whole suite failed (job exceeded its timeout of 420s); the next attempt discovers its tests first',
    });
    const [second] = await agent.claim(1);
    expect(second).toMatchObject({ kind: 'discover', job_id: job.job_id, attempt: 2 });
    expect(second!.run_suite).toBeUndefined();
    expect(second!.timeout_ms).toBe(7 * 60_000);
    await agent.discover(second!, KEYS);
    const [execute] = await agent.claim(1);
    await agent.execute(execute!, () => 'passed');
    expect((await runEnded(s, runId, 10_000)).status).toBe('completed');
    const [discovery] = await jobsOf(runId);
    expect(discovery!.attempts.map((a) => a.status)).toEqual(['errored', 'completed']);
    // The attempt that counted listed the suite: the job says it was a discovery.
    expect(discovery!.suite_run).toBe(false);
    expect(discovery!.attempts[0]!.error).toContain('the next attempt discovers');
  });

  it('is not offered where the run is more than one job or asks for less than the suite', async () => {
    for (const plan of ['picked', 'wide', 'failfast']) {
      const { runId, job } = await discoveryOf(plan);
      expect(job.run_suite, plan).toBeUndefined();
      await s.api('POST', `/api/v1/runs/${runId}/cancel`, {});
      await agent.complete(job, { outcome: 'cancelled', reason: 'cancelled', error: 'cancelled' });
    }
    // Results sent with a discovery nobody offered the suite run are not recorded: it is expanded.
    const picked = await discoveryOf('picked');
    await agent.complete(picked.job, {
      outcome: 'completed',
      scenarios: KEYS.map(scenarioOf),
      results: KEYS.map((k) => reportOf(k, 'passed')),
    });
    expect((await resultsOf(picked.runId)).map((r) => r.status)).toEqual(['queued', 'queued']);
    const [rest] = await agent.claim(1);
    await agent.execute(rest!, () => 'passed');
    expect((await runEnded(s, picked.runId, 10_000)).status).toBe('completed');

    const requested = (await s.api('POST', '/api/v1/plans/whole/runs', { scenarios: ['a.test > one'] })).body;
    const [job] = await agent.claim(1);
    expect(job).toMatchObject({ kind: 'discover', run_id: requested.id });
    expect(job!.run_suite).toBeUndefined();
    await s.api('POST', `/api/v1/runs/${requested.id}/cancel`, {});
    await agent.complete(job!, { outcome: 'cancelled', reason: 'cancelled', error: 'cancelled' });

    // A second agent serving the environment: the run gets two slots.
    const other = await ProtocolAgent.register(s, [], 1);
    const { runId, job: two } = await discoveryOf('parallel', other);
    expect(two.run_suite).toBeUndefined();
    await s.api('POST', `/api/v1/runs/${runId}/cancel`, {});
    await other.complete(two, { outcome: 'cancelled', reason: 'cancelled', error: 'cancelled' });
  });
});
