import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJUnitFile } from '../../src/reports/junit-parse.js';
import { describeEachDialect } from '../support/dialects.js';
import { isAlive as alive } from '../support/pids.js';
import { vitestDirect } from '../support/vitest-direct.js';
import { eventually, runEnded, startTestServer, type TestServer } from '../support/server.js';

const DEMO = resolve('examples/demo');

/** A process tree that ignores SIGTERM: the script, five children, each recording its pid. */
const HANG = `#!/bin/sh
trap '' TERM
for i in 1 2 3 4 5; do sh -c 'trap "" TERM; sleep 1000' & echo $! >> "$PIDS"; done
echo $$ >> "$PIDS"
sleep 1000
`;

/** What node's test runner reports for each demo file, folded per file (the adapter's scenarios). */
async function nodeTestDirect(files: string[]): Promise<Map<string, string>> {
  const dir = join(DEMO, 'node-test');
  const map = new Map<string, string>();
  for (const file of files) {
    const out = join(mkdtempSync(join(tmpdir(), 'node-test-direct-')), 'r.xml');
    try {
      execFileSync(process.execPath, ['--test', '--test-reporter=junit', `--test-reporter-destination=${out}`, file], {
        cwd: dir,
        stdio: 'ignore',
      });
    } catch {
      // failing tests exit 1; the report is what we want
    }
    const outcomes = (await readJUnitFile(out)).map((c) => c.outcome);
    map.set(
      file,
      outcomes.some((o) => o === 'failed' || o === 'errored')
        ? 'failed'
        : outcomes.every((o) => o === 'skipped')
          ? 'skipped'
          : 'passed',
    );
  }
  return map;
}

describeEachDialect('execution with the embedded agent', (dialect) => {
  let s: TestServer;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-exec-'));
    writeFileSync(join(work, 'hang.sh'), HANG);
    s = await startTestServer(dialect, { localAgent: true, slots: 2, workdir: work });
    const file = `
environments:
  node: { variables: { PIDS: ${join(work, 'pids')} } }
plans:
  demo-vitest: { framework: vitest, workdir: ${join(DEMO, 'vitest')}, environments: [node], max_parallel: 2 }
  demo-node-test: { framework: node-test, workdir: ${join(DEMO, 'node-test')}, environments: [node] }
  hang: { framework: command, workdir: ., environments: [node], options: { command: "sh {files}", discover: "hang.sh" } }
  short: { framework: command, workdir: ., environments: [node], timeout: 2s, options: { command: "sh {files}", discover: "hang.sh" } }
`;
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
  });
  afterAll(() => s?.close());

  const finished = (id: number) => runEnded(s, id);

  it('records, test by test, what Vitest itself reports for the demo suite', async () => {
    const run = (await s.api('POST', '/api/v1/plans/demo-vitest/runs', {})).body;
    const done = await finished(run.id);
    const rows = (await s.api('GET', `/api/v1/runs/${run.id}/results?limit=1000`)).body.items as {
      scenario: { key: string };
      status: string;
    }[];
    const ours = new Map(rows.map((r) => [r.scenario.key, r.status]));
    const direct = vitestDirect();
    expect(direct.size).toBeGreaterThan(5);
    expect(ours).toEqual(direct);
    expect(done.result).toBe([...direct.values()].includes('failed') ? 'failed' : 'passed');
    expect(done.counts.total).toBe(direct.size);
  });

  it('runs the node:test demo suite', async () => {
    const run = (await s.api('POST', '/api/v1/plans/demo-node-test/runs', {})).body;
    await finished(run.id);
    const rows = (await s.api('GET', `/api/v1/runs/${run.id}/results?limit=1000`)).body.items as {
      scenario: { file: string };
      status: string;
    }[];
    const ours = new Map(rows.map((r) => [r.scenario.file, r.status]));
    expect(ours.size).toBeGreaterThan(2);
    expect(ours).toEqual(await nodeTestDirect([...ours.keys()]));
    expect(new Set(ours.values())).toEqual(new Set(['passed', 'failed', 'skipped']));
  });

  it('cancels a running job by killing its whole process tree', async () => {
    const pids = join(work, 'pids');
    writeFileSync(pids, '');
    const run = (await s.api('POST', '/api/v1/plans/hang/runs', {})).body;
    const recorded = await eventually(async () => {
      const list = readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      return list.length >= 6 ? list : undefined;
    });
    expect(recorded.every(alive)).toBe(true);
    expect((await s.api('POST', `/api/v1/runs/${run.id}/cancel`)).status).toBe(200);
    await eventually(async () => (recorded.some(alive) ? undefined : true), 10_000, 50);
    const job = await eventually(async () => {
      const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
        kind: string;
        status: string;
        ended_by: string;
      }[];
      const exec = jobs.find((j) => j.kind === 'execute');
      return exec && exec.status !== 'running' ? exec : undefined;
    });
    expect(job).toMatchObject({ status: 'cancelled', ended_by: 'user' });
    expect((await s.api('GET', `/api/v1/runs/${run.id}`)).body).toMatchObject({
      status: 'cancelled',
      result: 'stopped',
      counts: { stopped: 1 },
    });
  });

  it('kills the whole process tree at the job timeout and records who ended the job', async () => {
    const pids = join(work, 'pids');
    writeFileSync(pids, '');
    const run = (await s.api('POST', '/api/v1/plans/short/runs', {})).body;
    const done = await finished(run.id);
    const recorded = readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number);
    expect(recorded.length).toBe(6);
    expect(recorded.some(alive)).toBe(false);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted', counts: { aborted: 1 } });
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      kind: string;
      status: string;
      ended_by: string;
      end_reason: string;
      error: string;
    }[];
    expect(jobs.find((j) => j.kind === 'execute')).toMatchObject({
      status: 'errored',
      ended_by: 'timeout',
      end_reason: 'timeout',
    });
    const rows = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(rows[0].message).toContain('timeout');
  });
});
