import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countingListener, type CountingListener } from '../support/counting-listener.js';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, runEnded, startTestServer, type TestServer } from '../support/server.js';

/** The scenario: records the app path it was given and a copy of the app, then reports a pass. */
const CHECK = `#!/bin/sh
printf '%s' "$PROCTOR_APP_PATH" > "$OUT/path.txt"
cp "$PROCTOR_APP_PATH" "$OUT/content.bin"
printf '<testsuite name="check.sh"><testcase classname="check.sh" name="check.sh"/></testsuite>' > "$1/r.xml"
`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const FILE = (out: string) => `
environments:
  device: { platform: android, variables: { OUT: ${out} } }
plans:
  app: { framework: command, workdir: ., environments: [device], options: { command: "sh {files} {report_dir}", discover: "check.sh" } }
`;

/** A work directory with the check script, and the directory it writes to. */
function workdir(): { work: string; out: string } {
  const work = mkdtempSync(join(tmpdir(), 'proctor-appbuild-'));
  const out = join(work, 'out');
  mkdirSync(out);
  writeFileSync(join(work, 'check.sh'), CHECK);
  return { work, out };
}

async function registerUrl(s: TestServer, url: string, version: string) {
  return s.api('POST', `/api/v1/app-builds?name=shop&version=${version}`, { url });
}

async function runWith(s: TestServer, buildId: number) {
  const run = (await s.api('POST', '/api/v1/plans/app/runs', { app_builds: { device: buildId } })).body;
  return runEnded(s, run.id);
}

async function executeJobOf(s: TestServer, runId: number) {
  const jobs = (await s.api('GET', `/api/v1/runs/${runId}/jobs`)).body.items as {
    kind: string;
    status: string;
    error: string;
    end_reason: string;
  }[];
  return jobs.find((j) => j.kind === 'execute');
}

describeEachDialect('app builds reach the tests through the embedded agent', (dialect) => {
  let s: TestServer;
  let work: string;
  let out: string;
  let builds: CountingListener;
  let mirror: CountingListener;
  beforeAll(async () => {
    ({ work, out } = workdir());
    builds = await countingListener();
    mirror = await countingListener('127.0.0.2');
    // The administrator lets outbound calls reach 127.0.0.1, and nothing else of loopback.
    s = await startTestServer(dialect, {
      localAgent: true,
      slots: 1,
      workdir: work,
      env: { PROCTOR_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' },
      start: { settings: { maxAttempts: 1 } },
    });
    expect((await s.api('POST', '/api/v1/apply', FILE(out))).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
    await builds?.close();
    await mirror?.close();
  });

  async function uploadBuild(content: Buffer, version: string): Promise<{ id: number; sha256: string }> {
    const res = await fetch(
      `${s.url}/api/v1/app-builds?name=shop&version=${version}&file_name=shop.apk&sha256=${sha(content)}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
        body: content,
      },
    );
    expect(res.status).toBe(201);
    return (await res.json()) as { id: number; sha256: string };
  }

  const runWithBuild = (buildId: number) => runWith(s, buildId);

  it('downloads a build once, verifies it, and hands its path to the test process as PROCTOR_APP_PATH', async () => {
    const content = Buffer.from(`apk bytes ${dialect} ${Date.now()}`);
    const build = await uploadBuild(content, '1');
    expect(await runWithBuild(build.id)).toMatchObject({ result: 'passed', counts: { passed: 1 } });
    const path = readFileSync(join(out, 'path.txt'), 'utf8');
    expect(path).toBe(join(work, '.proctor', 'app-builds', build.sha256, 'shop.apk'));
    expect(readFileSync(join(out, 'content.bin'))).toEqual(content);
    // The agent keeps it by checksum: with the server's copy gone, a second run still gets it.
    rmSync(join(s.config.dataDir, 'blobs', build.sha256.slice(0, 2), build.sha256));
    rmSync(join(out, 'content.bin'));
    expect(await runWithBuild(build.id)).toMatchObject({ result: 'passed' });
    expect(readFileSync(join(out, 'content.bin'))).toEqual(content);
  });

  it('refuses a build whose download does not match its checksum, and keeps nothing of it', async () => {
    const content = Buffer.from(`another apk ${dialect} ${Date.now()}`);
    const build = await uploadBuild(content, '2');
    // Corrupt the server's copy (same size): only the agent's verification can notice.
    writeFileSync(
      join(s.config.dataDir, 'blobs', build.sha256.slice(0, 2), build.sha256),
      Buffer.alloc(content.length, 0x41),
    );
    const done = await runWithBuild(build.id);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted' });
    expect(await executeJobOf(s, done.id)).toMatchObject({
      status: 'errored',
      error: expect.stringContaining('checksum mismatch'),
    });
    expect(existsSync(join(work, '.proctor', 'app-builds', build.sha256))).toBe(false);
    expect(existsSync(join(work, '.proctor', 'app-builds', sha(Buffer.alloc(content.length, 0x41))))).toBe(false);
  });

  it('downloads a build registered by URL from an address the administrator allowed', async () => {
    const content = Buffer.from(`url apk ${dialect} ${Date.now()}`);
    builds.reset();
    builds.answer = (_path, res) => void res.writeHead(200).end(content);
    const build = await registerUrl(s, builds.url('/shop-url.apk'), 'url-1');
    expect(build.status).toBe(201);
    expect(await runWithBuild(build.body.id)).toMatchObject({ result: 'passed', counts: { passed: 1 } });
    expect(readFileSync(join(out, 'content.bin'))).toEqual(content);
    expect(builds.hits.map((h) => h.path)).toEqual(['/shop-url.apk']);
    // The agent's credential is for the server only.
    expect(builds.hits[0]!.headers.authorization).toBeUndefined();
  });

  it('refuses a redirect from the allowed address to another loopback address at that hop', async () => {
    builds.reset();
    mirror.reset();
    builds.answer = (_path, res) => void res.writeHead(302, { location: mirror.url('/internal.apk') }).end('moved');
    const build = await registerUrl(s, builds.url('/moved.apk'), 'url-2');
    expect(build.status).toBe(201);
    const done = await runWithBuild(build.body.id);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted' });
    expect(await executeJobOf(s, done.id)).toMatchObject({
      status: 'errored',
      end_reason: 'bad_options',
      error: `app build ${build.body.id}: refused (redirect 1): 127.0.0.2 is a loopback address (allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE)`,
    });
    expect(builds.hits).toHaveLength(1);
    expect(mirror.hits).toEqual([]);
  });
});

describeEachDialect('app builds by URL when the administrator allows no private address', (dialect) => {
  let s: TestServer;
  let builds: CountingListener;
  beforeAll(async () => {
    const { work, out } = workdir();
    builds = await countingListener();
    s = await startTestServer(dialect, {
      localAgent: true,
      slots: 1,
      workdir: work,
      start: { settings: { maxAttempts: 1 } },
    });
    expect((await s.api('POST', '/api/v1/apply', FILE(out))).status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
    await builds?.close();
  });

  it('refuses a literal loopback URL at registration', async () => {
    const r = await registerUrl(s, builds.url('/shop.apk'), '1');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(
      'body.url: 127.0.0.1 is a loopback address; Proctor does not call such addresses unless an administrator allows them (PROCTOR_OUTBOUND_ALLOW_PRIVATE)',
    );
  });

  it('errors the job with the refusal when the host name resolves to loopback, and the listener sees no request', async () => {
    const build = await registerUrl(s, `http://localhost:${builds.port}/shop.apk`, '2');
    expect(build.status).toBe(201);
    const done = await runWith(s, build.body.id);
    expect(done).toMatchObject({ status: 'completed', result: 'aborted' });
    expect(await executeJobOf(s, done.id)).toMatchObject({
      status: 'errored',
      end_reason: 'bad_options',
      error: `app build ${build.body.id}: refused: localhost resolves to a loopback address (allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE)`,
    });
    expect(builds.hits).toEqual([]);
  });
});
