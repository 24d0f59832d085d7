import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

/**
 * A test that prints two environment variables and passes only when GREETING is "hallo welt":
 * the scenario's JUnit report says so, its output shows what the process saw.
 */
const CHECK = `#!/bin/sh
echo "GREETING=[$GREETING] RETRIES=[$RETRIES]"
if [ "$GREETING" = "hallo welt" ]; then verdict=''; else verdict="<failure message=\\"GREETING was [$GREETING]\\"/>"; fi
cat > "$1/report.xml" <<EOF
<testsuite name="check" tests="1"><testcase name="greeting" classname="check.sh" file="check.sh">$verdict</testcase></testsuite>
EOF
`;

/**
 * Testsigma's `runtimeData` (testsigma-execution-results.md) reaches the tests: the trigger's
 * parameters go with every claimed job and the embedded agent's test process gets each under its
 * own name as an environment variable, over the environment's variable of the same name.
 */
describeEachDialect('Testsigma runtimeData reaches the test process', (dialect) => {
  let s: TestServer;
  let plan: number;
  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'proctor-runtime-data-'));
    writeFileSync(join(work, 'check.sh'), CHECK);
    s = await startTestServer(dialect, { localAgent: true, slots: 1, workdir: work });
    const file = `
environments:
  e: { variables: { GREETING: from the environment } }
plans:
  greet: { framework: command, workdir: ., environments: [e], options: { command: "sh {files} {report_dir}", discover: "check.sh" } }
`;
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
    plan = (await s.api('GET', '/api/v1/plans')).body.items.find((p: { name: string }) => p.name === 'greet').id;
  });
  afterAll(() => s?.close());

  /** Triggers through Testsigma's route, waits for the end, and answers the result and the log. */
  async function trigger(body: object): Promise<{ run: any; status: string; message: string | null; log: string }> {
    const r = await s.api('POST', '/api/v1/execution_results', body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const run = await runEnded(s, r.body.id);
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { id: number; kind: string }[];
    const job = jobs.find((j) => j.kind === 'execute')!;
    const log = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job.id}/log`)).body as string;
    return { run, status: result.status, message: result.message, log };
  }

  it('hands runtimeData to the tests as environment variables of the same names', async () => {
    // A number, as a pipeline's JSON may send it, arrives as its text.
    const t = await trigger({ executionId: plan, runtimeData: { GREETING: 'hallo welt', RETRIES: 3 } });
    expect(t.run.trigger.parameters).toEqual({ GREETING: 'hallo welt', RETRIES: '3' });
    expect(t.log).toContain('GREETING=[hallo welt] RETRIES=[3]');
    expect(t.status).toBe('passed');
    expect(t.run.result).toBe('passed');
    // Testsigma's own view of the run says so too.
    expect((await s.api('GET', `/api/v1/execution_results/${t.run.id}`)).body).toMatchObject({
      result: 'SUCCESS',
      status: 'STATUS_COMPLETED',
    });
  });

  it("leaves the environment's variable in place without runtimeData, and the test sees that", async () => {
    const t = await trigger({ executionId: plan });
    expect(t.run.trigger.parameters).toEqual({});
    expect(t.log).toContain('GREETING=[from the environment] RETRIES=[]');
    expect(t.status).toBe('failed');
    expect(t.message).toContain('GREETING was [from the environment]');
  });

  it("hands a rerun the runtimeData it sends, over its parent's", async () => {
    const parent = await trigger({ executionId: plan, runtimeData: { GREETING: 'wrong' } });
    expect(parent.status).toBe('failed');
    const r = await s.api('POST', '/api/v1/execution_results', {
      executionId: plan,
      executionResultId: parent.run.id,
      isReRun: true,
      reRunType: 'ONLY_FAILED_TESTS',
      runtimeData: { GREETING: 'hallo welt' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const run = await runEnded(s, r.body.id);
    expect(run).toMatchObject({
      rerun_parent_id: parent.run.id,
      result: 'passed',
      trigger: { parameters: { GREETING: 'hallo welt' } },
    });
  });
});
