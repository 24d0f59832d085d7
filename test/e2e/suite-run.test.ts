import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyDemoVitest } from '../support/demo-vitest-copy.js';
import { describeEachDialect } from '../support/dialects.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PLAN = `environments:
  e: {}
plans:
  whole: { framework: vitest, workdir: ., environments: [e], timeout: 2m }
  chosen: { framework: vitest, workdir: ., environments: [e], timeout: 2m, scenarios: { include: ['**'] } }
  jest-whole: { framework: jest, workdir: ${join(REPO, 'examples', 'jest')}, environments: [e], timeout: 2m }
  jest-chosen: { framework: jest, workdir: ${join(REPO, 'examples', 'jest')}, environments: [e], timeout: 2m, scenarios: { include: ['**'] } }
  slow: { framework: vitest, workdir: slow, environments: [e], timeout: 6s }
`;
const INTRO = 'its tests run in this job, as the framework runs them directly, without a discovery first';

interface JobView {
  id: number;
  kind: string;
  status: string;
  suite_run: boolean;
  attempts: { status: string; error: string | null }[];
}

/**
 * Real suites on an embedded agent with one slot: a run of the whole suite runs it in its first
 * job, without a discovery before it, and gets what a discovered run gets; a suite run that errs
 * (here: past the job timeout) is followed by a discovery, as before.
 */
describeEachDialect('A one-slot run of the whole suite, without a discovery first', (dialect) => {
  let work: string;
  let s: TestServer;
  beforeAll(async () => {
    work = copyDemoVitest('proctor-suite-run-');
    mkdirSync(join(work, 'slow'));
    writeFileSync(join(work, 'slow', 'package.json'), '{ "type": "module" }');
    writeFileSync(
      join(work, 'slow', 'slow.test.js'),
      "import { it } from 'vitest';\nit('is quick', () => {});\nit('takes a minute', async () => { await new Promise((r) => setTimeout(r, 60_000)); });\n",
    );
    symlinkSync(join(work, 'node_modules'), join(work, 'slow', 'node_modules'));
    // Each run starts from nothing kept: a kept discovery would answer instead.
    s = await startTestServer(dialect, {
      localAgent: true,
      slots: 1,
      workdir: work,
      env: { PROCTOR_DISCOVERY_REUSE: '0' },
    });
    await s.api('POST', '/api/v1/apply', PLAN);
  }, 60_000);
  afterAll(() => s?.close());

  async function runOf(plan: string) {
    const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
    const ended = await runEnded(s, run.id, 110_000);
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as JobView[];
    const firstLog = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${jobs[0]!.id}/log`)).body as string;
    const items = (await s.api('GET', `/api/v1/runs/${run.id}/results?limit=500`)).body.items as {
      scenario: { key: string };
      status: string;
      message: string | null;
    }[];
    const results = items
      .map((r) => ({ key: r.scenario.key, status: r.status, message: r.message }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { ended, jobs, firstLog, results };
  }

  for (const [framework, whole, chosen] of [
    ['Vitest', 'whole', 'chosen'],
    ['Jest', 'jest-whole', 'jest-chosen'],
  ] as const) {
    it(`${framework}: runs in the first job and gets the results a discovered run gets`, async () => {
      const suite = await runOf(whole);
      expect(suite.ended).toMatchObject({ status: 'completed', result: 'failed' });
      expect(suite.jobs.map((j) => [j.kind, j.status, j.suite_run])).toEqual([['discover', 'completed', true]]);
      expect(suite.firstLog).toContain(INTRO);

      // A selection (here of every file) needs the list first: discovery, then the one job.
      const discovered = await runOf(chosen);
      expect(discovered.jobs.map((j) => j.kind)).toEqual(['discover', 'execute']);
      expect(discovered.firstLog).not.toContain(INTRO);
      expect(suite.results.length).toBeGreaterThan(5);
      expect(suite.results).toEqual(discovered.results);
    }, 120_000);
  }

  it('discovers on the next attempt when the suite run passes the job timeout', async () => {
    const slow = await runOf('slow');
    const [discovery, execute] = slow.jobs;
    expect(discovery!.attempts.map((a) => a.status)).toEqual(['errored', 'completed']);
    expect(discovery!.attempts[0]!.error).toMatch(
      /^running the whole suite failed \(job exceeded its timeout of 6s.*\); the next attempt discovers its tests first$/,
    );
    expect(execute!.kind).toBe('execute');
    expect(slow.results.map((r) => r.key)).toEqual(['slow.test.js > is quick', 'slow.test.js > takes a minute']);
  }, 120_000);
});
