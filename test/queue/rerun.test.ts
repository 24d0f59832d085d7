import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const FILE = `
environments:
  e1: {}
  e2: { labels: [special] }
plans:
  two-envs: { framework: command, environments: [e1, e2] }
  waiting: { framework: command, environments: [e1, e2], concurrency: queue }
`;
const KEYS = ['a/one.test > fails', 'a/two.test > skips', 'b/three.test > works'];
type Outcome = 'passed' | 'failed' | 'skipped' | 'errored' | undefined;

describeEachDialect('reruns', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect, { start: { settings: { processOverheadMs: 0 } } });
    await s.api('POST', '/api/v1/apply', FILE);
    agent = await ProtocolAgent.register(s, ['special']);
  });
  afterAll(() => s?.close());

  const get = async (path: string) => (await s.api('GET', path)).body;
  const pairsOf = async (runId: number) =>
    (
      (await get(`/api/v1/runs/${runId}/results?limit=1000`)).items as {
        scenario: { key: string };
        environment: string;
        status: string;
      }[]
    )
      .map((r) => `${r.environment}: ${r.scenario.key} = ${r.status}`)
      .sort();

  /** Claims and answers jobs until none is left; returns the execution jobs it saw. */
  async function drain(outcomeOf: (key: string, env: string) => Outcome): Promise<ClaimedJob[]> {
    const seen: ClaimedJob[] = [];
    for (let i = 0; i < 100; i++) {
      const jobs = await agent.claim(8);
      if (jobs.length === 0) return seen;
      for (const job of jobs) {
        if (job.kind === 'discover') expect((await agent.discover(job, KEYS)).status).toBe(200);
        else {
          seen.push(job);
          expect((await agent.execute(job, (k) => outcomeOf(k, job.environment.name))).status).toBe(200);
        }
      }
    }
    return seen;
  }

  /** A finished run of `plan` with one failure on each environment, a different one on each. */
  async function failedRun(plan: string): Promise<number> {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, { build: '41', parameters: { BASE: 'x' } })).body;
    await drain((k, env) =>
      (env === 'e1' && k.includes('fails')) || (env === 'e2' && k.includes('three')) ? 'failed' : 'passed',
    );
    expect((await get(`/api/v1/runs/${run.id}`)).result).toBe('failed');
    return run.id;
  }

  it('reruns only the failed pairs, per environment its own scenarios, without discovery', async () => {
    const parent = await failedRun('two-envs');
    const r = await s.api('POST', `/api/v1/runs/${parent}/rerun`, { failed: true });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      rerun_parent_id: parent,
      rerun_type: 'failed',
      status: 'queued',
      trigger: { build: '41', parameters: { BASE: 'x' }, environments: ['e1', 'e2'] },
    });
    expect(r.body.trigger.scenarios.sort()).toEqual(['a/one.test > fails', 'b/three.test > works']);
    const jobs = (await get(`/api/v1/runs/${r.body.id}/jobs`)).items as { kind: string }[];
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.kind === 'execute')).toBe(true);
    const executed = await drain(() => 'passed');
    expect(executed.map((j) => `${j.environment.name}: ${j.scenarios.map((x) => x.key).join(',')}`).sort()).toEqual([
      'e1: a/one.test > fails',
      'e2: b/three.test > works',
    ]);
    expect(await pairsOf(r.body.id)).toEqual(['e1: a/one.test > fails = passed', 'e2: b/three.test > works = passed']);
    expect(await get(`/api/v1/runs/${r.body.id}`)).toMatchObject({
      status: 'completed',
      result: 'passed',
      counts: { total: 2, passed: 2 },
    });
    expect((await get(`/api/v1/runs/${parent}`)).rerun_parent_id).toBeNull();
  });

  it('reruns exactly the listed pairs, by scenario key or id', async () => {
    const parent = await failedRun('two-envs');
    const results = (await get(`/api/v1/runs/${parent}/results?limit=1000`)).items as {
      scenario: { id: number; key: string };
    }[];
    const threeId = results.find((x) => x.scenario.key === 'b/three.test > works')!.scenario.id;
    const body = {
      pairs: [
        { scenario: 'a/two.test > skips', environment: 'e1' },
        { scenario: threeId, environment: 'e2' },
        { scenario: String(threeId), environment: 'e2' },
      ],
    };
    const r = await s.api('POST', `/api/v1/runs/${parent}/rerun`, body);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ rerun_parent_id: parent, rerun_type: 'pairs' });
    await drain(() => 'failed');
    expect(await pairsOf(r.body.id)).toEqual(['e1: a/two.test > skips = failed', 'e2: b/three.test > works = failed']);
  });

  it('refuses what it cannot rerun, saying why', async () => {
    const parent = await failedRun('two-envs');
    const bad = await s.api('POST', `/api/v1/runs/${parent}/rerun`, {
      pairs: [
        { scenario: 'nope > x', environment: 'e1' },
        { scenario: 'a/two.test > skips', environment: 'e9' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'pairs[0].scenario',
      'pairs[1].environment',
    ]);
    expect(
      (
        await s.api('POST', `/api/v1/runs/${parent}/rerun`, {
          failed: true,
          pairs: [{ scenario: 1, environment: 'e1' }],
        })
      ).status,
    ).toBe(400);
    expect((await s.api('POST', `/api/v1/runs/${parent}/rerun`, {})).status).toBe(400);
    expect((await s.api('POST', `/api/v1/runs/${parent}/rerun`, { pairs: [] })).status).toBe(400);
    expect((await s.api('POST', '/api/v1/runs/987654/rerun', { failed: true })).status).toBe(404);
    const active = (await s.api('POST', '/api/v1/plans/two-envs/runs', {})).body;
    const busy = await s.api('POST', `/api/v1/runs/${active.id}/rerun`, { failed: true });
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toContain('still queued');
    await drain(() => 'passed');
    const clean = await s.api('POST', `/api/v1/runs/${active.id}/rerun`, { failed: true });
    expect(clean.status).toBe(409);
    expect(clean.body.error.message).toContain('no failed or aborted scenarios');
  });

  it('queues a rerun behind an active run of its plan and starts its pairs when that run ends', async () => {
    const parent = await failedRun('waiting');
    const blocker = (await s.api('POST', '/api/v1/plans/waiting/runs', {})).body;
    const r = (await s.api('POST', `/api/v1/runs/${parent}/rerun`, { failed: true })).body;
    expect((await get(`/api/v1/runs/${r.id}/jobs`)).items).toHaveLength(0);
    await s.api('POST', `/api/v1/runs/${blocker.id}/cancel`);
    const jobs = (await get(`/api/v1/runs/${r.id}/jobs`)).items as { kind: string; environment: string }[];
    expect(jobs.map((j) => `${j.kind} ${j.environment}`).sort()).toEqual(['execute e1', 'execute e2']);
    await drain(() => 'passed');
    expect(await pairsOf(r.id)).toEqual(['e1: a/one.test > fails = passed', 'e2: b/three.test > works = passed']);
  });
});
