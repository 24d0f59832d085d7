import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

/**
 * A test prints NUL bytes and invalid UTF-8 and fails with them in its JUnit message. The log
 * chunks and the completion carrying them must be stored (PostgreSQL refuses NUL in text), so the
 * run completes with the failure instead of ending `aborted` after the job's timeout.
 */
const SCRIPT = `#!/bin/sh
printf 'before a\\000b\\377c after\\n'
printf 'second line \\000\\000 end\\n' >&2
mkdir -p "$1"
printf '<testsuites><testsuite name="s"><testcase classname="nul" name="nul.sh" file="nul.sh"><failure message="got x\\000y\\377z">stack \\000 here</failure><system-out>out \\000 put</system-out></testcase></testsuite></testsuites>' > "$1/r.xml"
exit 1
`;

describeEachDialect('NUL bytes in what a test prints', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'proctor-nul-'));
    writeFileSync(join(work, 'nul.sh'), SCRIPT);
    s = await startTestServer(dialect, { localAgent: true, slots: 1, workdir: work });
    await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  e: {}\nplans:\n  nul: { framework: command, workdir: ., environments: [e], timeout: 2m, options: { command: "sh {files} {report_dir}", discover: "nul.sh" } }\n`,
    );
  }, 60_000);
  afterAll(() => s?.close());

  it('completes the run, and the log and the result show the NUL bytes escaped', async () => {
    const run = (await s.api('POST', '/api/v1/plans/nul/runs', {})).body;
    const ended = await runEnded(s, run.id, 60_000);
    expect(ended.status).toBe('completed');
    expect(ended.result).toBe('failed');
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
      kind: string;
      status: string;
      attempts: unknown[];
    }[];
    const job = jobs.find((j) => j.kind === 'execute')!;
    expect(job.status).toBe('completed');
    expect(job.attempts).toHaveLength(1);
    const log = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job.id}/log`)).body as string;
    // The agent reads output as UTF-8: the invalid byte \\377 is U+FFFD before anything is stored.
    expect(log).toContain('before a\\u0000b\uFFFDc after\n');
    expect(log).toContain('second line \\u0000\\u0000 end\n');
    expect(log).not.toContain('\0');
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(result.status).toBe('failed');
    expect(result.message).toBe('got x\\u0000y\uFFFDz');
    expect(result.stack).toBe('stack \\u0000 here');
    expect(result.stdout).toBe('out \\u0000 put');
  });
});
