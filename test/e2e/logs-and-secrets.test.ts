import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../support/server.js';

const SECRET = 'tok-9f8e7d6c5b4a';

/**
 * A job prints a secret in two halves, half a second apart (so they travel in different log
 * chunks), then fails with the secret in its JUnit message: neither the stored log nor the result
 * may contain it.
 */
const SCRIPT = `#!/bin/sh
printf 'starting\\n'
printf 'token is %s' "$(echo "$API_TOKEN" | cut -c1-7)"
sleep 0.7
printf '%s and done\\n' "$(echo "$API_TOKEN" | cut -c8-)"
mkdir -p "$1"
cat > "$1/r.xml" <<XML
<testsuites><testsuite name="s"><testcase classname="leak" name="leak.sh" file="leak.sh"><failure message="bad token $API_TOKEN">at $API_TOKEN</failure></testcase></testsuite></testsuites>
XML
exit 1
`;

describe('logs stream while a job runs, with secrets masked', () => {
  let s: TestServer;
  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'proctor-logs-'));
    writeFileSync(join(work, 'leak.sh'), SCRIPT);
    s = await startTestServer('sqlite', { localAgent: true, slots: 1, workdir: work });
    await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  e: { variables: { API_TOKEN: ${SECRET} }, secrets: [API_TOKEN] }\nplans:\n  leak: { framework: command, workdir: ., environments: [e], options: { command: "sh {files} {report_dir}", discover: "leak.sh" } }\n`,
    );
  });
  afterAll(() => s?.close());

  it('serves the log live and never stores the secret, even split across chunks', async () => {
    const run = (await s.api('POST', '/api/v1/plans/leak/runs', {})).body;
    const job = await eventually(async () => {
      const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
        id: number;
        kind: string;
        status: string;
      }[];
      return jobs.find((j) => j.kind === 'execute' && j.status === 'running');
    });
    const live = await eventually(
      async () => {
        const r = await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job.id}/log`);
        return r.headers.get('x-log-complete') === 'false' && String(r.body).includes('starting') ? r : undefined;
      },
      10_000,
      50,
    );
    expect(live.body).toContain('starting');
    await eventually(async () =>
      (await s.api('GET', `/api/v1/runs/${run.id}`)).body.status === 'completed' ? true : undefined,
    );
    const log = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job.id}/log`)).body as string;
    expect(log).toContain('token is *** and done');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(SECRET.slice(7));
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(result.status).toBe('failed');
    expect(result.message).toBe('bad token ***');
    expect(JSON.stringify(result)).not.toContain(SECRET);
    const rows = await s.proctor.server.store.db.selectFrom('log_chunks').select('data').execute();
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.data).join('')).not.toContain(SECRET);
  });
});
