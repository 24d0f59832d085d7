import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const FILE = `
environments:
  e1: {}
plans:
  mixed-speeds: { framework: command, environments: [e1], max_parallel: 4 }
  same-speeds: { framework: command, environments: [e1], max_parallel: 4 }
`;
const KEYS = Array.from({ length: 16 }, (_, i) => `f${String(i).padStart(2, '0')}.test > t`);

describeEachDialect('agents of different speed', (dialect) => {
  let s: TestServer;
  let slow: ProtocolAgent;
  let fast: ProtocolAgent;
  // Both agents were seen within the liveness window (30 s) throughout: every run is batched for both.
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api('POST', '/api/v1/apply', FILE);
    slow = await ProtocolAgent.register(s, [], 2);
    fast = await ProtocolAgent.register(s, [], 2);
  });
  afterAll(() => s?.close());

  /** Runs the plan with every job on `agent`, each test reporting `ms`. */
  async function runOn(plan: string, agent: ProtocolAgent, ms: number) {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    for (let claimed = await agent.claim(1); claimed.length > 0; claimed = await agent.claim(1)) {
      const [job] = claimed;
      if (job!.kind === 'discover') {
        await agent.discover(job!, KEYS);
        continue;
      }
      const results = job!.scenarios.map((x) => ({
        key: x.key,
        file: x.file,
        path: x.path,
        outcome: 'passed' as const,
        durationMs: ms,
      }));
      expect((await agent.complete(job!, { outcome: 'completed', results })).status).toBe(200);
    }
    return run.id as number;
  }

  /** The next run's execute jobs' sizes, in queue order, right after its discovery. */
  async function nextRunJobs(plan: string): Promise<number[]> {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    const [disc] = await fast.claim(1);
    await fast.discover(disc!, KEYS);
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
      kind: string;
      scenario_count: number;
    }[];
    await s.api('POST', `/api/v1/runs/${run.id}/cancel`);
    return jobs
      .filter((j) => j.kind === 'execute')
      .sort((a, b) => a.id - b.id)
      .map((j) => j.scenario_count);
  }

  it('learns that an agent is slower from the same scenarios and leaves the faster slots more to take', async () => {
    // The same 16 scenarios: 2 s each on one agent, 1 s on the other. As a typical agent would
    // take them, they are steady (1.5 s), so without the speeds the run would open with four
    // packed jobs of four; the slow agent's two slots would then finish long after the others.
    await runOn('mixed-speeds', slow, 2000);
    await runOn('mixed-speeds', fast, 1000);
    const sizes = await nextRunJobs('mixed-speeds');
    // The slow slots finish 2/3 of an equal slot's share in the same time: the opening jobs take
    // two scenarios each, and the other eight are self-scheduled for the faster slots to take more.
    expect(sizes.slice(0, 4)).toEqual([2, 2, 2, 2]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(16);
    expect(sizes.length).toBeGreaterThan(4);
  });

  it('packs everything into one job per slot when the agents run the scenarios alike', async () => {
    await runOn('same-speeds', slow, 1000);
    await runOn('same-speeds', fast, 1000);
    expect(await nextRunJobs('same-speeds')).toEqual([4, 4, 4, 4]);
  });
});
