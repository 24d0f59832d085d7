import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PlanHistory } from '../../src/protocol/plan-history.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';

type Outcome = 'passed' | 'failed';
const KEYS = ['a.test.ts > a', 'b.test.ts > b'];
const [A, B] = KEYS as [string, string];

/**
 * What the dashboard's plan pages read: a history whose pass rate and durations leave reruns out,
 * flaky scenarios that say whether the code is known to be the same, and each plan's last run.
 */
describeEachDialect(
  'dashboard API: history without reruns, code-change knowledge, plans with their last run',
  (dialect) => {
    let s: TestServer;
    let agent: ProtocolAgent;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      const plan = (name: string) =>
        `  ${name}:\n    framework: command\n    description: "${name}: checks the cart"\n    environments: [e]\n`;
      const file = `project: hist\nenvironments:\n  e: {}\nplans:\n${['reruns', 'norefs', 'builds', 'idle'].map(plan).join('')}`;
      expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
      agent = await ProtocolAgent.register(s, [], 4);
    });
    afterAll(() => s?.close());

    /** Plays the agent until the run has ended. */
    async function drive(runId: number, outcomes: Record<string, Outcome>): Promise<void> {
      await eventually(async () => {
        for (const job of await agent.claim(4)) {
          if (job.kind === 'discover') await agent.discover(job, KEYS);
          else await agent.execute(job, (k) => outcomes[k]);
        }
        const run = (await s.api('GET', `/api/v1/runs/${runId}`)).body;
        return run.status === 'completed' ? run : undefined;
      });
    }

    async function run(
      plan: string,
      outcomes: Record<string, Outcome>,
      trigger: { ref?: string; build?: string } = {},
    ): Promise<number> {
      const r = (await s.api('POST', `/api/v1/plans/${plan}/runs`, trigger)).body;
      await drive(r.id, outcomes);
      return r.id;
    }

    const history = async (plan: string) =>
      (await s.api<PlanHistory>('GET', `/api/v1/plans/${plan}/history?project=hist`)).body;

    it('leaves reruns out of the pass rate and duration, and still finds the flake a rerun reveals', async () => {
      const first = await run('reruns', { [A]: 'passed', [B]: 'failed' }, { ref: 'R1' });
      const rerun = await s.api('POST', `/api/v1/runs/${first}/rerun`, { failed: true });
      expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
      await drive(rerun.body.id, { [B]: 'passed' });
      const second = await run('reruns', { [A]: 'passed', [B]: 'passed' }, { ref: 'R1' });
      const h = await history('reruns');
      expect(h.runs.map((r) => r.id)).toEqual([first, second]);
      expect(h.runs.map((r) => r.pass_rate)).toEqual([0.5, 1]);
      expect(h.reruns).toBe(1);
      // b failed on R1, then passed in the rerun of the same ref: a change without a code change.
      expect(h.flaky.map((f) => [f.scenario.key, f.reasons, f.flips, f.flips_same_code])).toEqual([
        [B, ['changed_without_code_change'], 1, 1],
      ]);
      expect(h.flaky[0]!.strip.map((c) => c.run_id)).toEqual([first, rerun.body.id, second]);
      // The window is counted in runs that are not reruns: one run back is the last one and no rerun.
      const one = (await s.api<PlanHistory>('GET', '/api/v1/plans/reruns/history?project=hist&runs=1')).body;
      expect([one.runs.map((r) => r.id), one.reruns]).toEqual([[second], 0]);
    });

    it('says a change between runs without ref or build is of unknown code, and keeps the claim when builds match', async () => {
      await run('norefs', { [A]: 'passed', [B]: 'passed' });
      await run('norefs', { [A]: 'failed', [B]: 'passed' });
      const unknown = await history('norefs');
      expect(unknown.flaky.map((f) => [f.scenario.key, f.reasons, f.flips, f.flips_same_code])).toEqual([
        [A, ['changed_code_unknown'], 1, 0],
      ]);

      await run('builds', { [A]: 'passed', [B]: 'passed' }, { build: '7' });
      await run('builds', { [A]: 'failed', [B]: 'passed' }, { build: '7' });
      await run('builds', { [A]: 'passed', [B]: 'failed' }, { build: '8' });
      const builds = await history('builds');
      // a: passed → failed on build 7 (same code), failed → passed from 7 to 8 (a code change); b changed only with the build.
      expect(builds.flaky.map((f) => [f.scenario.key, f.reasons, f.flips, f.flips_same_code])).toEqual([
        [A, ['changed_without_code_change'], 1, 1],
      ]);
    });

    it('lists each plan with its description and its latest run (a rerun included), null before the first', async () => {
      const items = (await s.api('GET', '/api/v1/plans?project=hist')).body.items as {
        name: string;
        definition: { description: string };
        last_run: any;
      }[];
      const byName = new Map(items.map((p) => [p.name, p]));
      expect(byName.get('idle')).toMatchObject({
        definition: { description: 'idle: checks the cart' },
        last_run: null,
      });
      const latest = (await s.api('GET', '/api/v1/runs?plan=builds&limit=1')).body.items[0];
      expect(byName.get('builds')!.last_run).toEqual({
        id: latest.id,
        status: 'completed',
        result: 'failed',
        created_at: latest.created_at,
        finished_at: latest.finished_at,
        rerun_parent_id: null,
      });
      const rerun = (await s.api('POST', `/api/v1/runs/${latest.id}/rerun`, { failed: true })).body;
      await drive(rerun.id, { [B]: 'passed' });
      const again = new Map(
        ((await s.api('GET', '/api/v1/plans?project=hist')).body.items as typeof items).map((p) => [p.name, p]),
      );
      expect(again.get('builds')!.last_run).toMatchObject({
        id: rerun.id,
        status: 'completed',
        result: 'passed',
        rerun_parent_id: latest.id,
      });
      const one = (await s.api('GET', `/api/v1/plans/${byName.get('idle')!.name}?project=hist`)).body;
      expect(one).not.toHaveProperty('last_run');
    });
  },
);
