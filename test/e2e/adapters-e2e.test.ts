import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedKey } from '../../src/domain/scenario-key.js';
import { describeEachDialect } from '../support/dialects.js';
import { ODD_SUITES } from '../support/odd-titles.js';
import { ctrfErrors } from '../support/ctrf-schema.js';
import {
  EXAMPLES,
  jestDirect,
  junit5ComparisonKey,
  junit5Direct,
  mochaComparisonKey,
  mochaDirect,
  playwrightDirect,
  pytestDirect,
  type Direct,
} from '../support/direct-runs.js';
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
  {
    plan: 'ex-jest',
    direct: jestDirect,
    comparisonKey: same,
    ranOne: (log) => /Tests:\s+1 failed, (?:\d+ skipped, )?\d+ total/.test(log) && !/\d+ passed/.test(log),
  },
  {
    plan: 'ex-jest-queue',
    direct: jestDirect,
    comparisonKey: same,
    ranOne: (log) =>
      /Tests:\s+1 failed, (?:\d+ skipped, )?\d+ total/.test(log) &&
      !/\d+ passed/.test(log) &&
      /^\[proctor\] batch done in the Jest worker, pid \d+$/m.test(log),
  },
  {
    plan: 'ex-mocha',
    direct: mochaDirect,
    comparisonKey: mochaComparisonKey,
    ranOne: (log) => (log.match(/^(?:ok |FAILED |skipped )/gm) ?? []).length === 1,
  },
  {
    plan: 'ex-playwright',
    direct: () => playwrightDirect('chromium'),
    comparisonKey: same,
    ranOne: (log) => log.includes('Running 1 test using 1 worker'),
  },
  // The file is collected whole and what was not chosen deselected (Proctor's selection plugin).
  {
    plan: 'ex-pytest',
    direct: pytestDirect,
    comparisonKey: same,
    ranOne: (log) => /collected \d+ items \/ \d+ deselected \/ 1 selected/.test(log),
  },
  // Queue mode: a worker per slot collects the suite once; each batch closes with its own summary.
  {
    plan: 'ex-pytest-queue',
    direct: pytestDirect,
    comparisonKey: same,
    ranOne: (log) => /^1 (?:failed|error) in .* \(proctor worker, pid \d+\)$/m.test(log),
  },
  // Queue mode: one Vitest per slot; each batch prints the default reporter's summary of that batch.
  {
    plan: 'ex-vitest-queue',
    direct: vitestDirect,
    comparisonKey: same,
    ranOne: (log) =>
      /Tests\s+1 failed(?: \| \d+ skipped)? \(\d+\)/.test(plain(log)) &&
      !/\d+ passed/.test(plain(log)) &&
      /^\[proctor\] batch done in the Vitest worker, pid \d+$/m.test(log),
  },
  // Proctor's runner on JUnit's Launcher API, one-shot: its summary line.
  {
    plan: 'ex-junit5',
    direct: junit5Direct,
    comparisonKey: junit5ComparisonKey,
    ranOne: (log) => /^1 tests: 0 succeeded, 1 failed/m.test(log),
  },
  {
    plan: 'ex-junit5-queue',
    direct: junit5Direct,
    comparisonKey: junit5ComparisonKey,
    ranOne: (log) =>
      /^1 tests: 0 succeeded, 1 failed/m.test(log) &&
      /^\[proctor\] batch done in the JUnit worker, pid \d+$/m.test(log),
  },
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
      const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
        kind: string;
        status: string;
        error: string | null;
      }[];
      expect(
        jobs.filter((j) => j.status !== 'completed'),
        JSON.stringify(jobs),
      ).toEqual([]);
      const ours = Object.fromEntries(rows.map((r) => [example.comparisonKey(r.scenario.key), r.status]));
      const direct = Object.fromEntries(await example.direct());
      expect(Object.keys(direct).length).toBeGreaterThan(3);
      expect(ours).toEqual(direct);
      expect(Object.values(ours)).toEqual(expect.arrayContaining(['passed', 'failed', 'skipped']));
      expect(run).toMatchObject({ result: 'failed', counts: { total: rows.length } });

      const ctrf = (await s.api('GET', `/api/v1/runs/${run.id}/ctrf`)).body;
      expect(ctrfErrors(ctrf)).toEqual([]);
      expect(ctrf.results.summary).toMatchObject({
        tests: rows.length,
        failed: rows.filter((r) => r.status === 'failed').length,
      });

      const failed = rows
        .filter((r) => r.status === 'failed')
        .map((r) => r.scenario.key)
        .sort()[0] as string;
      const rerun = await runToEnd(example.plan, { scenarios: [failed] });
      expect(rerun.run.counts.total).toBe(1);
      expect(rerun.rows.map((r) => [r.scenario.key, r.status])).toEqual([[failed, 'failed']]);
      const log = await s.api('GET', `/api/v1/runs/${rerun.run.id}/jobs/${rerun.rows[0]?.job_id}/log`);
      expect(log.status).toBe(200);
      expect(example.ranOne(String(log.body)), String(log.body).slice(-3000)).toBe(true);
    }, 300_000);
  }
});

// Issue 14: every adapter's odd-title suite (test/fixtures/odd-titles) through a real server and
// its embedded agent, on both dialects: what the server stores (keys cut, NUL escaped) is what
// the next job is named by, so each result must reach its own scenario, twins included.
const ODD_PLANS = ODD_SUITES.flatMap((suite) => [
  { plan: `odd-${suite.dir}`, suite, worker: false },
  ...(suite.worker ? [{ plan: `odd-${suite.dir}-queue`, suite, worker: true }] : []),
]);

const ODD_PLAN_FILE = `
environments:
  local: { platform: api }
plans:
${ODD_PLANS.map(({ plan, suite, worker }) => `  ${plan}: ${JSON.stringify({ framework: suite.framework, workdir: suite.dir, environments: ['local'], timeout: '5m', options: { ...suite.options, ...(worker ? { worker: true } : {}) } })}`).join('\n')}
`;

describeEachDialect('every adapter on titles a command line cannot carry, through a real server', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect, { localAgent: true, slots: 2, workdir: resolve('test/fixtures/odd-titles') });
    const applied = await s.api('POST', '/api/v1/apply', ODD_PLAN_FILE);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  });
  afterAll(() => s?.close());

  async function runToEnd(plan: string, body: Record<string, unknown> = {}) {
    const started = await s.api('POST', `/api/v1/plans/${plan}/runs`, body);
    expect([201, 202], JSON.stringify(started.body)).toContain(started.status);
    const run = await runEnded(s, started.body.id, 240_000, 250);
    const rows = (await s.api('GET', `/api/v1/runs/${run.id}/results?limit=1000`)).body.items as (Row & {
      scenario: { id: number };
    })[];
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      status: string;
      error: string | null;
    }[];
    expect(
      jobs.filter((j) => j.status !== 'completed'),
      JSON.stringify(jobs).slice(0, 3000),
    ).toEqual([]);
    return { run, rows };
  }

  for (const { plan, suite } of ODD_PLANS) {
    it(`${plan}: records the framework's verdict for every test, then reruns the odd ones alone under the same scenarios`, async () => {
      const { rows } = await runToEnd(plan);
      const expected = Object.fromEntries(Object.entries(suite.expected).map(([k, v]) => [storedKey(k), v]));
      expect(Object.fromEntries(rows.map((r) => [r.scenario.key, r.status]))).toEqual(expected);

      const chosen = new Set(
        Object.keys(suite.expected)
          .filter((k) => suite.alone.some((part) => k.includes(part)))
          .map(storedKey),
      );
      const odd = rows.filter((r) => chosen.has(r.scenario.key));
      expect(odd.length).toBeGreaterThanOrEqual(suite.alone.length);
      const again = await runToEnd(plan, { scenarios: odd.map((r) => r.scenario.key) });
      expect(again.rows.map((r) => [r.scenario.id, r.scenario.key, r.status]).sort()).toEqual(
        odd.map((r) => [r.scenario.id, r.scenario.key, r.status]).sort(),
      );
    }, 600_000);
  }
});
