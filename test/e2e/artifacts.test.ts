import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';

/** A check that fails and leaves a "screenshot" the plan's artifacts glob picks up. */
const SCRIPT = `#!/bin/sh
mkdir -p shots "$1"
printf 'PNGDATA-%s' "$PROCTOR_JOB_ID" > shots/login.sh.png
cat > "$1/r.xml" <<XML
<testsuites><testsuite name="s"><testcase classname="login" name="login.sh" file="login.sh"><failure message="button missing">at login</failure></testcase></testsuite></testsuites>
XML
`;

describe('artifacts', () => {
  let s: TestServer;
  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'proctor-artifacts-'));
    writeFileSync(join(work, 'login.sh'), SCRIPT);
    s = await startTestServer('sqlite', {
      localAgent: true,
      slots: 1,
      workdir: work,
      env: { PROCTOR_ARTIFACT_LIMIT: '4096' },
    });
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  shots: { framework: command, workdir: ., environments: [e], options: { command: "sh {files} {report_dir}", discover: "login.sh", artifacts: ["shots/*.png"] } }\n',
    );
  });
  afterAll(() => s?.close());

  it('uploads the files a failing test wrote and serves them with its result', async () => {
    const run = (await s.api('POST', '/api/v1/plans/shots/runs', {})).body;
    await eventually(async () =>
      (await s.api('GET', `/api/v1/runs/${run.id}`)).body.status === 'completed' ? true : undefined,
    );
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(result.status).toBe('failed');
    expect(result.artifacts).toHaveLength(1);
    expect(result.artifacts[0]).toMatchObject({ name: 'shots/login.sh.png', content_type: 'image/png' });
    const file = await fetch(`${s.url}${result.artifacts[0].url}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(await file.text()).toBe(`PNGDATA-${result.job_id}`);
    expect((await s.api('GET', `/api/v1/runs/${run.id}/artifacts`)).body.items).toHaveLength(1);
  });

  it('fences uploads by the lease, checks the SHA-256, sanitises names and limits sizes', async () => {
    const agent = await ProtocolAgent.register(s, ['nobody-else']);
    await s.api('PUT', '/api/v1/environments/lonely', { labels: ['nobody-else'] });
    await s.api('PUT', '/api/v1/plans/lonely', {
      framework: 'command',
      environments: ['lonely'],
      options: { command: 'true' },
    });
    const run = (await s.api('POST', '/api/v1/plans/lonely/runs', {})).body;
    const [job] = await agent.claim(1);
    expect(job!.run_id).toBe(run.id);
    const put = (body: string, q: Record<string, string>, token = job!.lease_token) =>
      fetch(`${s.url}/api/agent/v1/jobs/${job!.job_id}/artifacts?${new URLSearchParams(q)}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${agent.token}`,
          'content-type': 'application/octet-stream',
          'x-lease-token': token,
        },
        body,
      });
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const ok = await put('hello', { name: '../../etc/passwd', sha256: sha('hello') });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { name: string }).name).toBe('etc/passwd');
    expect((await put('hello', { name: 'a.txt', sha256: sha('other') })).status).toBe(400);
    expect((await put('hello', { name: 'a.txt', sha256: sha('hello') }, 'f'.repeat(32))).status).toBe(409);
    expect((await put('x'.repeat(5000), { name: 'big.bin', sha256: sha('x'.repeat(5000)) })).status).toBe(413);
    expect((await put('hello', { name: 'etc/passwd', sha256: sha('hello') })).status).toBe(201);
    expect((await put('bye', { name: 'etc/passwd', sha256: sha('bye') })).status).toBe(409);
    const listed = (await s.api('GET', `/api/v1/runs/${run.id}/artifacts`)).body.items;
    expect(listed.map((a: { name: string }) => a.name)).toEqual(['etc/passwd']);
  });
});
