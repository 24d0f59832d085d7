import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, runEnded, startTestServer, type TestServer } from '../support/server.js';

/** The scenario: records the app path it was given and a copy of the app, then reports a pass. */
const CHECK = `#!/bin/sh
printf '%s' "$PROCTOR_APP_PATH" > "$OUT/path.txt"
cp "$PROCTOR_APP_PATH" "$OUT/content.bin"
printf '<testsuite name="check.sh"><testcase classname="check.sh" name="check.sh"/></testsuite>' > "$1/r.xml"
`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeEachDialect('app builds reach the tests through the embedded agent', (dialect) => {
  let s: TestServer;
  let work: string;
  let out: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-appbuild-'));
    out = join(work, 'out');
    mkdirSync(out);
    writeFileSync(join(work, 'check.sh'), CHECK);
    s = await startTestServer(dialect, { localAgent: true, slots: 1, workdir: work, start: { settings: { maxAttempts: 1 } } });
    const file = `
environments:
  device: { platform: android, variables: { OUT: ${out} } }
plans:
  app: { framework: command, workdir: ., environments: [device], options: { command: "sh {files} {report_dir}", discover: "check.sh" } }
`;
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
  });
  afterAll(() => s?.close());

  async function uploadBuild(content: Buffer, version: string): Promise<{ id: number; sha256: string }> {
    const res = await fetch(`${s.url}/api/v1/app-builds?name=shop&version=${version}&file_name=shop.apk&sha256=${sha(content)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: content,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: number; sha256: string };
  }

  async function runWith(buildId: number) {
    const run = (await s.api('POST', '/api/v1/plans/app/runs', { app_builds: { device: buildId } })).body;
    return runEnded(s, run.id);
  }

  it('downloads a build once, verifies it, and hands its path to the test process as PROCTOR_APP_PATH', async () => {
    const content = Buffer.from(`apk bytes ${dialect} ${Date.now()}`);
    const build = await uploadBuild(content, '1');
    expect(await runWith(build.id)).toMatchObject({ result: 'passed', counts: { passed: 1 } });
    const path = readFileSync(join(out, 'path.txt'), 'utf8');
    expect(path).toBe(join(work, '.proctor', 'app-builds', build.sha256, 'shop.apk'));
    expect(readFileSync(join(out, 'content.bin'))).toEqual(content);
    // The agent keeps it by checksum: with the server's copy gone, a second run still gets it.
    rmSync(join(s.config.dataDir, 'blobs', build.sha256.slice(0, 2), build.sha256));
    rmSync(join(out, 'content.bin'));
    expect(await runWith(build.id)).toMatchObject({ result: 'passed' });
    expect(readFileSync(join(out, 'content.bin'))).toEqual(content);
  });

  it('refuses a build whose download does not match its checksum, and keeps nothing of it', async () => {
    const content = Buffer.from(`another apk ${dialect} ${Date.now()}`);
    const build = await uploadBuild(content, '2');
    // Corrupt the server's copy (same size): only the agent's verification can notice.
    writeFileSync(join(s.config.dataDir, 'blobs', build.sha256.slice(0, 2), build.sha256), Buffer.alloc(content.length, 0x41));
    const done = await runWith(build.id);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted' });
    const jobs = (await s.api('GET', `/api/v1/runs/${done.id}/jobs`)).body.items as { kind: string; status: string; error: string }[];
    expect(jobs.find((j) => j.kind === 'execute')).toMatchObject({ status: 'errored', error: expect.stringContaining('checksum mismatch') });
    expect(existsSync(join(work, '.proctor', 'app-builds', build.sha256))).toBe(false);
    expect(existsSync(join(work, '.proctor', 'app-builds', sha(Buffer.alloc(content.length, 0x41))))).toBe(false);
  });
});
