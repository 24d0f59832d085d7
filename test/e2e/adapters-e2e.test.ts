import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrfErrors } from '../support/ctrf-schema.js';
import { EXAMPLES, jestDirect, junit5ComparisonKey, junit5Direct, mochaComparisonKey, mochaDirect, playwrightDirect, pytestDirect, type Direct } from '../support/direct-runs.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';
import { vitestDirect } from '../support/vitest-direct.js';

/** One example suite: its plan, what the framework reports when run directly, and how its log shows a run of one test. */
interface Example {
  plan: string;
  direct: () => Direct | Promise<Direct>;
  /** Proctor's key as the direct run names it. */
  comparisonKey: (key: string) => string;
  /** True when the framework's own output says it ran exactly one test. */
  ranOne: (log: string) => boolean;
}

const same = (key: string): string => key;
/** Without terminal colours (Vitest colours its summary where FORCE_COLOR or CI is set). */
const plain = (log: string): string => log.replace(/\u001b\[[0-9;]*m/g, '');
const EXAMPLE_SUITES: Example[] = [
  { plan: 'ex-jest', direct: jestDirect, comparisonKey: same, ranOne: (log) => /Tests:\s+1 failed, (?:\d+ skipped, )?\d+ total/.test(log) && !/\d+ passed/.test(log) },
  { plan: 'ex-jest-queue', direct: jestDirect, comparisonKey: same, ranOne: (log) => /Tests:\s+1 failed, (?:\d+ skipped, )?\d+ total/.test(log) && !/\d+ passed/.test(log) && /^\[proctor\] batch done in the Jest worker, pid \d+$/m.test(log) },
  { plan: 'ex-mocha', direct: mochaDirect, comparisonKey: mochaComparisonKey, ranOne: (log) => (log.match(/^(?:ok |FAILED |skipped )/gm) ?? []).length === 1 },
  { plan: 'ex-playwright', direct: () => playwrightDirect('chromium'), comparisonKey: same, ranOne: (log) => log.includes('Running 1 test using 1 worker') },
  { plan: 'ex-pytest', direct: pytestDirect, comparisonKey: same, ranOne: (log) => log.includes('collected 1 item') },
  // Queue mode: a worker per slot collects the suite once; each batch closes with its own summary.
  { plan: 'ex-pytest-queue', direct: pytestDirect, comparisonKey: same, ranOne: (log) => /^1 (?:failed|error) in .* \(proctor worker, pid \d+\)$/m.test(log) },
  // Queue mode: one Vitest per slot; each batch prints the default reporter's summary of that batch.
  { plan: 'ex-vitest-queue', direct: vitestDirect, comparisonKey: same, ranOne: (log) => /Tests\s+1 failed(?: \| \d+ skipped)? \(\d+\)/.test(plain(log)) && !/\d+ passed/.test(plain(log)) && /^\[proctor\] batch done in the Vitest worker, pid \d+$/m.test(log) },
  { plan: 'ex-junit5', direct: junit5Direct, comparisonKey: junit5ComparisonKey, ranOne: (log) => /\[\s+1 tests found\s+\]/.test(log) },
  { plan: 'ex-junit5-queue', direct: junit5Direct, comparisonKey: junit5ComparisonKey, ranOne: (log) => /^1 tests: 0 succeeded, 1 failed/m.test(log) && /^\[proctor\] batch done in the JUnit worker, pid \d+$/m.test(log) },
];

const PLAN_FILE = `
environments:
  local: { platform: api, variables: { GREETING: hello from proctor } }
  chromium: { platform: web, variables: { PROCTOR_BROWSER: chromium } }
plans:
  ex-jest: { framework: jest, workdir: jest, environments: [local] }
  ex-jest-queue: { framework: jest, workdir: jest, environments: [local], options: { worker: true } }
  ex-mocha: { framework: mocha, workdir: mocha, environments: [local] }
  ex-playwright: { framework: playwright, workdir: playwright, environments: [chromium], timeout: 5m }
  ex-pytest: { framework: pytest, workdir: pytest, environments: [local] }
  ex-pytest-queue: { framework: pytest, workdir: pytest, environments: [local], options: { worker: true } }
  ex-vitest-queue: { framework: vitest, workdir: demo/vitest, environments: [local], options: { worker: true } }
  ex-junit5: { framework: junit5, workdir: junit5, environments: [local] }
  ex-junit5-queue: { framework: junit5, workdir: junit5, environments: [local], options: { worker: true } }
`;

type Row = { scenario: { key: string }; status: string; job_id: number | null };

describe('every example suite through a real server and its embedded agent [sqlite]', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { localAgent: true, slots: 2, workdir: EXAMPLES });
    const applied = await s.api('POST', '/api/v1/apply', PLAN_FILE);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  });
  afterAll(() => s?.close());

  async function runToEnd(plan: string, body: Record<string, unknown> = {}) {
    const started = await s.api('POST', `/api/v1/plans/${plan}/runs`, body);
    expect([201, 202], JSON.stringify(started.body)).toContain(started.status);
    const run = await runEnded(s, started.body.id, 180_000, 250);
    const rows = (await s.api('GET', `/api/v1/runs/${run.id}/results?limit=1000`)).body.items as Row[];
    return { run, rows };
  }

  for (const example of EXAMPLE_SUITES) {
    it(`${example.plan}: records what the framework reports directly, test by test, and reruns one failed scenario alone`, async () => {
      const { run, rows } = await runToEnd(example.plan);
      const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { kind: string; status: string; error: string | null }[];
      expect(jobs.filter((j) => j.status !== 'completed'), JSON.stringify(jobs)).toEqual([]);
      const ours = Object.fromEntries(rows.map((r) => [example.comparisonKey(r.scenario.key), r.status]));
      const direct = Object.fromEntries(await example.direct());
      expect(Object.keys(direct).length).toBeGreaterThan(3);
      expect(ours).toEqual(direct);
      expect(Object.values(ours)).toEqual(expect.arrayContaining(['passed', 'failed', 'skipped']));
      expect(run).toMatchObject({ result: 'failed', counts: { total: rows.length } });

      const ctrf = (await s.api('GET', `/api/v1/runs/${run.id}/ctrf`)).body;
      expect(ctrfErrors(ctrf)).toEqual([]);
      expect(ctrf.results.summary).toMatchObject({ tests: rows.length, failed: rows.filter((r) => r.status === 'failed').length });

      const failed = rows.filter((r) => r.status === 'failed').map((r) => r.scenario.key).sort()[0] as string;
      const rerun = await runToEnd(example.plan, { scenarios: [failed] });
      expect(rerun.run.counts.total).toBe(1);
      expect(rerun.rows.map((r) => [r.scenario.key, r.status])).toEqual([[failed, 'failed']]);
      const log = await s.api('GET', `/api/v1/runs/${rerun.run.id}/jobs/${rerun.rows[0]?.job_id}/log`);
      expect(log.status).toBe(200);
      expect(example.ranOne(String(log.body)), String(log.body).slice(-3000)).toBe(true);
    }, 300_000);
  }
});
