import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyDemoVitest } from '../support/demo-vitest-copy.js';
import { describeEachDialect } from '../support/dialects.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

const PLAN =
  'environments:\n  e: {}\nplans:\n  reuse: { framework: vitest, workdir: ., environments: [e], timeout: 2m }\n';

/**
 * A real Vitest suite run again on the embedded agent: the second run reuses the first run's
 * discovery (nothing under its workdir changed) and gets the same results; a test added to a file
 * is discovered on the next run; an agent told not to reuse discovers every time.
 */
describeEachDialect(
  'Discovery reused while nothing changed',
  (dialect) => {
    let work: string;
    let s: TestServer;
    beforeAll(async () => {
      work = copyDemoVitest('proctor-discovery-reuse-');
      s = await startTestServer(dialect, { localAgent: true, slots: 1, workdir: work });
      await s.api('POST', '/api/v1/apply', PLAN);
    }, 60_000);
    afterAll(() => s?.close());

    it('reuses an unchanged suite discovery, with the same results, and discovers an edited one again', async () => {
      const first = await runOnce(s);
      expect(first.discoveryLog).not.toContain('Discovery reused');
      expect(first.results.length).toBeGreaterThan(5);

      const second = await runOnce(s);
      expect(second.discoveryLog).toMatch(
        /Discovery reused: \d+ scenarios, discovered at .*; nothing under .* has changed since/,
      );
      expect(second.results).toEqual(first.results);

      appendFileSync(
        join(work, 'price.test.ts'),
        "\ndescribe('added later', () => {\n  it('is found', () => {\n    expect(1).toBe(1);\n  });\n});\n",
      );
      const third = await runOnce(s);
      expect(third.discoveryLog).not.toContain('Discovery reused');
      expect(third.results).toHaveLength(first.results.length + 1);
      expect(third.results).toContainEqual({ key: expect.stringContaining('is found'), status: 'passed' });
    }, 120_000);

    it('discovers every time on an agent told not to reuse', async () => {
      await s.close();
      s = await startTestServer(dialect, {
        localAgent: true,
        slots: 1,
        workdir: work,
        env: { PROCTOR_DISCOVERY_REUSE: '0' },
      });
      await s.api('POST', '/api/v1/apply', PLAN);
      // The previous server's agent kept this tree's discovery in the same work directory.
      const again = await runOnce(s);
      expect(again.discoveryLog).not.toContain('Discovery reused');
      expect(again.results.length).toBeGreaterThan(5);
    }, 120_000);
  },
  ['sqlite'],
);

async function runOnce(s: TestServer): Promise<{ discoveryLog: string; results: { key: string; status: string }[] }> {
  const run = (await s.api('POST', '/api/v1/plans/reuse/runs', {})).body;
  const ended = await runEnded(s, run.id, 90_000);
  expect(ended.status).toBe('completed');
  const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { id: number; kind: string }[];
  const discovery = jobs.find((j) => j.kind === 'discover')!;
  const discoveryLog = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${discovery.id}/log`)).body as string;
  const items = (await s.api('GET', `/api/v1/runs/${run.id}/results?limit=500`)).body.items as {
    scenario: { key: string };
    status: string;
  }[];
  const results = items
    .map((r) => ({ key: r.scenario.key, status: r.status }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { discoveryLog, results };
}
