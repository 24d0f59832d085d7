import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const FILE = `
environments:
  e1: {}
plans:
  costly: { framework: command, environments: [e1], max_parallel: 2 }
  silent: { framework: command, environments: [e1], max_parallel: 2 }
`;
/** One file of ten tests and ten files of one test each: every test takes 50 ms. */
const KEYS = [
  ...Array.from({ length: 10 }, (_, i) => `big.test > t${i}`),
  ...Array.from({ length: 10 }, (_, i) => `small${i}.test > t`),
];
const TEST_MS = 50;
/** What each job costs beyond its tests, as the agent below pays it: a start, and a process per file. */
const FIXED_MS = 1000;
const PER_FILE_MS = 400;

const filesOf = (job: ClaimedJob) => new Set(job.scenarios.map((s) => s.file)).size;

describeEachDialect('job costs learnt from what jobs paid', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api('POST', '/api/v1/apply', FILE);
    agent = await ProtocolAgent.register(s, [], 2);
  });
  afterAll(() => s?.close());

  /** Runs the plan to its end; each job reports the wall time `wallOf` gives it. Returns the jobs' scenario keys. */
  async function runPlan(
    plan: string,
    wallOf: (job: ClaimedJob) => number | undefined,
    extra: { worker_started?: boolean } = {},
  ): Promise<string[][]> {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    const jobs: string[][] = [];
    for (let claimed = await agent.claim(2); claimed.length > 0; claimed = await agent.claim(2)) {
      for (const job of claimed) {
        if (job.kind === 'discover') {
          expect((await agent.discover(job, KEYS)).status).toBe(200);
          continue;
        }
        jobs.push(job.scenarios.map((x) => x.key));
        const wall = wallOf(job);
        const results = job.scenarios.map((x) => ({
          key: x.key,
          file: x.file,
          path: x.path,
          outcome: 'passed' as const,
          durationMs: TEST_MS,
        }));
        const body = {
          outcome: 'completed' as const,
          results,
          ...(wall === undefined ? {} : { duration_ms: wall }),
          ...extra,
        };
        expect((await agent.complete(job, body)).status).toBe(200);
      }
    }
    expect((await s.api('GET', `/api/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed' });
    return jobs;
  }

  const costsOf = async (plan: string) => (await s.api('GET', `/api/v1/plans/${plan}/history`)).body.job_costs;

  it('learns a fixed cost per job and a cost per file, shows them, and balances the next run by them', async () => {
    const first = await runPlan(
      'costly',
      (job) => TEST_MS * job.scenarios.length + FIXED_MS + PER_FILE_MS * filesOf(job),
    );
    // The first run's jobs hold different numbers of files, so the two parts can be told apart.
    expect(new Set(first.map((keys) => new Set(keys.map((k) => k.split(' > ')[0])).size)).size).toBeGreaterThan(1);
    expect(await costsOf('costly')).toEqual([
      { environment: 'e1', fixed_ms: FIXED_MS, per_file_ms: PER_FILE_MS, jobs: first.length },
    ]);

    // By the tests' durations alone, the big file (500 ms) balances the ten small ones (50 ms each);
    // with each file's 400 ms counted, it is 900 ms against 450 ms each: the big file and four small
    // ones in one job (2,700 ms), six small ones in the other (2,700 ms).
    const second = await runPlan(
      'costly',
      (job) => TEST_MS * job.scenarios.length + FIXED_MS + PER_FILE_MS * filesOf(job),
    );
    const files = second.map((keys) => [...new Set(keys.map((k) => k.split(' > ')[0]))].sort());
    expect(files.map((f) => f.length).sort()).toEqual([5, 6]);
    expect(files.find((f) => f.includes('big.test'))).toHaveLength(5);
  });

  it('learns nothing from an agent that does not say what its jobs took, nor from a worker’s first batch, and stores no absurd figure', async () => {
    await runPlan('silent', () => undefined);
    expect(await costsOf('silent')).toEqual([]);
    // A batch that started its worker (queue mode) paid a start once per slot: not a cost to learn.
    await runPlan('silent', () => 5000, { worker_started: true });
    expect(await costsOf('silent')).toEqual([]);
    // A figure beyond what a column holds is kept at the column's largest, not refused.
    await runPlan('silent', () => 1e300);
    const [cost] = await costsOf('silent');
    expect(cost.environment).toBe('e1');
    expect(cost.fixed_ms + cost.per_file_ms).toBeGreaterThan(1e9);
  });
});
