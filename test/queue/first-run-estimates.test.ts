import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const plans = (twoEnvs: boolean) => `
environments:
  e1: {}
  e2: {}
plans:
  tried: { framework: command, environments: [e1], max_parallel: 2 }
  newcomer: { framework: command, environments: [e1], max_parallel: 2 }
  widened: { framework: command, environments: [${twoEnvs ? 'e1, e2' : 'e1'}], max_parallel: 2 }
  speeds: { framework: command, environments: [e1, e2], max_parallel: 2 }
`;
/** One slow file (4 s) and eight quick ones (0.5 s each): on two slots, the slow one balances the rest. */
const KEYS = ['slow.test > t', ...Array.from({ length: 8 }, (_, i) => `quick${i}.test > t`)];
const msOf = (key: string) => (key.startsWith('slow') ? 4000 : 500);

describeEachDialect('first runs estimated from what else was measured', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api('POST', '/api/v1/apply', plans(false));
    agent = await ProtocolAgent.register(s, [], 2);
  });
  afterAll(() => s?.close());

  /** The environments of the execute jobs in the order they were claimed, by `runPlan`. */
  let claimOrder: string[] = [];

  /** Runs a plan to its end; returns its execute jobs' keys per environment, sorted. Environment e2 runs 2× slower. */
  async function runPlan(plan: string): Promise<Record<string, string[][]>> {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    const jobs: Record<string, string[][]> = {};
    claimOrder = [];
    for (let claimed = await agent.claim(1); claimed.length > 0; claimed = await agent.claim(1)) {
      for (const job of claimed as ClaimedJob[]) {
        if (job.kind === 'discover') {
          expect((await agent.discover(job, KEYS)).status).toBe(200);
          continue;
        }
        claimOrder.push(job.environment.name);
        (jobs[job.environment.name] ??= []).push(job.scenarios.map((x) => x.key).sort());
        const speed = job.environment.name === 'e2' ? 2 : 1;
        const results = job.scenarios.map((x) => ({
          key: x.key,
          file: x.file,
          path: x.path,
          outcome: 'passed' as const,
          durationMs: speed * msOf(x.key),
        }));
        expect((await agent.complete(job, { outcome: 'completed', results })).status).toBe(200);
      }
    }
    expect((await s.api('GET', `/api/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed' });
    for (const list of Object.values(jobs)) list.sort((a, b) => a.length - b.length);
    return jobs;
  }

  const balanced = [['slow.test > t'], KEYS.slice(1).sort()];

  it("balances a plan's first run by the same tests' durations under another plan of the project", async () => {
    // Nothing is known the first time: shrinking batches of guesses, not the balanced pair.
    expect((await runPlan('tried')).e1).not.toEqual(balanced);
    expect((await runPlan('newcomer')).e1).toEqual(balanced);
  });

  it("balances a new environment's first run by the plan's durations in its other environments", async () => {
    await runPlan('widened');
    await s.api('POST', '/api/v1/apply', plans(true));
    const jobs = await runPlan('widened');
    expect(jobs.e1).toEqual(balanced);
    expect(jobs.e2).toEqual(balanced);
  });

  it('queues the environments’ jobs merged by expected cost: the slower environment’s largest first', async () => {
    await runPlan('speeds');
    expect(claimOrder[0]).toBe('e1');
    await runPlan('speeds');
    // Each environment opens with its slow file alone and its quick files together; in e2 both
    // take twice as long, so e2's two opening jobs come before e1's.
    expect(claimOrder.slice(0, 4)).toEqual(['e2', 'e2', 'e1', 'e1']);
  });
});
