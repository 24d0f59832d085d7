import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent, sha, uploadArtifact } from '../support/retention-fixture.js';
import { startTestS3, type TestS3 } from '../support/s3-server.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

const FILE =
  'environments:\n  pixel: { platform: android }\nplans:\n  mobile: { framework: command, environments: [pixel] }\n';

async function uploadBuild(s: TestServer, body: Buffer, version: string) {
  const r = await fetch(
    `${s.url}/api/v1/app-builds?name=shop&version=${version}&file_name=shop.apk&sha256=${sha(body)}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body,
    },
  );
  expect(r.status).toBe(201);
  return (await r.json()) as { id: number };
}

/** A run using `build`, its job claimed by `agent`; the artifact `file` uploaded through `upload`. */
async function runWithArtifact(upload: TestServer, agent: ProtocolAgent, build: number, file: Buffer) {
  const run = (await upload.api('POST', '/api/v1/plans/mobile/runs', { app_builds: { pixel: build } })).body;
  const [disc] = await agent.claim(1);
  await agent.discover(disc!, ['a.test > one']);
  const [job] = await agent.claim(1);
  await uploadArtifact(upload, agent, job!, 'screen.png', file);
  return { run: run.id as number, job: job! };
}

describeEachDialect('blobs in an S3 bucket', (dialect) => {
  let s3: TestS3;
  let a: TestServer;
  let b: TestServer;
  let presigning: TestServer;
  beforeAll(async () => {
    s3 = await startTestS3();
    const prefix = `x${randomBytes(3).toString('hex')}`;
    a = await startTestServer(dialect, { env: { PROCTOR_BLOB_URL: s3.blobUrl(prefix) } });
    expect((await a.api('POST', '/api/v1/apply', FILE)).status).toBe(200);
    // PostgreSQL: more replicas on the same database and bucket. SQLite: one process owns the file,
    // so the presigning server is another data directory, sharing only the bucket.
    b =
      dialect === 'postgres'
        ? await startTestServer(dialect, { env: { PROCTOR_BLOB_URL: s3.blobUrl(prefix) }, target: a.target })
        : a;
    presigning = await startTestServer(dialect, {
      env: { PROCTOR_BLOB_URL: s3.blobUrl(prefix, { presign: true }) },
      ...(dialect === 'postgres' ? { target: a.target } : {}),
    });
    if (dialect === 'sqlite') expect((await presigning.api('POST', '/api/v1/apply', FILE)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await presigning?.close();
    if (b !== a) await b?.close();
    await a?.close();
    await s3?.close();
  });

  it('streams an artifact and an app build into the bucket, nothing into the data directory', async () => {
    const file = randomBytes(100_000);
    const build = await uploadBuild(a, randomBytes(50_000), '1');
    const agent = await ProtocolAgent.register(a);
    const { run } = await runWithArtifact(a, agent, build.id, file);
    const [art] = (await a.api('GET', `/api/v1/runs/${run}/artifacts`)).body.items;
    const got = await fetch(`${a.url}${art.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(got.status).toBe(200);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await got.arrayBuffer()).equals(file)).toBe(true);
    expect(await a.proctor.server.blobs.store.stat(sha(file))).not.toBeNull();
    const { readdirSync, existsSync } = await import('node:fs');
    expect(existsSync(`${a.config.dataDir}/blobs`) ? readdirSync(`${a.config.dataDir}/blobs`) : []).toEqual([]);
  });

  it('serves through one replica an artifact and an app build uploaded through the other', async () => {
    if (dialect !== 'postgres') return;
    const file = randomBytes(200_000);
    const apk = randomBytes(300_000);
    const build = await uploadBuild(a, apk, '2');
    const agent = await ProtocolAgent.register(a);
    const { run, job } = await runWithArtifact(a, agent, build.id, file);
    const [art] = (await b.api('GET', `/api/v1/runs/${run}/artifacts`)).body.items;
    const got = await fetch(`${b.url}${art.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(file)).toBe(true);
    // The agent holds the job on the database both share: replica B hands it the build.
    const content = await fetch(`${b.url}/api/agent/v1/app-builds/${build.id}/content`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(content.status).toBe(200);
    expect(content.headers.get('x-checksum-sha256')).toBe(sha(apk));
    expect(Buffer.from(await content.arrayBuffer()).equals(apk)).toBe(true);
    expect((await agent.execute(job, () => 'passed')).status).toBe(200);
  });

  it('redirects downloads to presigned URLs when asked to, with the same type and disposition', async () => {
    const file = randomBytes(10_000);
    const apk = randomBytes(20_000);
    const build = await uploadBuild(presigning, apk, '3');
    const agent = await ProtocolAgent.register(presigning);
    const { run } = await runWithArtifact(presigning, agent, build.id, file);
    const [art] = (await presigning.api('GET', `/api/v1/runs/${run}/artifacts`)).body.items;
    const first = await fetch(`${presigning.url}${art.url}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      redirect: 'manual',
    });
    expect(first.status).toBe(302);
    const location = first.headers.get('location')!;
    expect(location.startsWith(s3.endpoint)).toBe(true);
    const bucket = await fetch(location);
    expect(bucket.headers.get('content-type')).toBe('image/png');
    expect(bucket.headers.get('content-disposition')).toBe(
      'inline; filename="screen.png"; filename*=UTF-8\'\'screen.png',
    );
    expect(Buffer.from(await bucket.arrayBuffer()).equals(file)).toBe(true);
    // The agent follows the redirect (without its credential: another origin) and checks the checksum itself.
    const content = await fetch(`${presigning.url}/api/agent/v1/app-builds/${build.id}/content`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(content.status).toBe(200);
    expect(Buffer.from(await content.arrayBuffer()).equals(apk)).toBe(true);
  });
});
