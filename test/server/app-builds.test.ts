import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

const FILE = `
environments:
  chrome: { platform: web }
  pixel: { platform: android, labels: [android] }
plans:
  mobile:
    framework: command
    environments: [chrome, pixel]
    profiles:
      fast: { environments: [pixel], retries: 0 }
`;
const LIMIT = 4096;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeEachDialect('app builds', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect, {
      env: { PROCTOR_APP_BUILD_LIMIT: String(LIMIT), PROCTOR_OUTBOUND_ALLOW_PRIVATE: '10.1.0.0/16' },
    });
    expect((await s.api('POST', '/api/v1/apply', FILE)).status).toBe(200);
  });
  afterAll(() => s?.close());

  async function upload(query: string, body: Buffer | ReadableStream, extra: RequestInit = {}) {
    const res = await fetch(`${s.url}/api/v1/app-builds?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body,
      ...extra,
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as any };
  }
  const count = async () => (await s.api('GET', '/api/v1/app-builds?limit=500')).body.items.length as number;

  describe('upload and list', () => {
    it('stores a raw upload under its checksum and lists it', async () => {
      const file = Buffer.alloc(1000, 7);
      const r = await upload('name=shop&version=1.0&file_name=shop.apk', file);
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        name: 'shop',
        version: '1.0',
        file_name: 'shop.apk',
        sha256: sha(file),
        size: 1000,
        url: null,
      });
      const ok = await upload(`name=shop&version=1.1&sha256=${sha(file).toUpperCase()}`, file);
      expect(ok.status).toBe(201);
      expect(ok.body.file_name).toBe('shop-1.1');
      const list = await s.api('GET', '/api/v1/app-builds?name=shop&limit=1');
      expect(list.body.items.map((b: { version: string }) => b.version)).toEqual(['1.1']);
      const next = await s.api('GET', `/api/v1/app-builds?name=shop&limit=1&cursor=${list.body.next_cursor}`);
      expect(next.body.items.map((b: { version: string }) => b.version)).toEqual(['1.0']);
    });

    it('refuses a checksum mismatch and an upload over the limit, storing nothing', async () => {
      const before = await count();
      const wrong = await upload(`name=shop&version=2&sha256=${'0'.repeat(64)}`, Buffer.alloc(10, 1));
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('sha256 mismatch'),
      });
      const big = await upload('name=shop&version=3', Buffer.alloc(LIMIT + 1));
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      // Without a Content-Length (chunked), the limit is enforced while the bytes stream in.
      const chunks = [Buffer.alloc(3000), Buffer.alloc(3000)];
      const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) });
      const streamed = await upload('name=shop&version=4', stream, { duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
      expect(await count()).toBe(before);
    });

    it('registers a build by URL, and refuses bad input with a 4xx naming it', async () => {
      const r = await s.api('POST', '/api/v1/app-builds?name=shop&version=5', {
        url: 'https://builds.example.com/shop/shop-5.ipa',
        sha256: 'a'.repeat(64),
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        url: 'https://builds.example.com/shop/shop-5.ipa',
        file_name: 'shop-5.ipa',
        sha256: 'a'.repeat(64),
        size: null,
      });
      const cases: [string, unknown, number, string][] = [
        ['name=shop&version=6', { url: 'ftp://x/y' }, 400, 'body.url'],
        ['name=shop&version=6', { url: 'https://u:p@x/y' }, 400, 'credentials'],
        [
          'name=shop&version=6',
          { url: 'http://169.254.169.254/latest/meta-data/iam/' },
          400,
          'body.url: 169.254.169.254 is a link-local (cloud metadata) address',
        ],
        [
          'name=shop&version=6',
          { url: 'http://127.0.0.1:4799/latest/meta-data/iam/' },
          400,
          'body.url: 127.0.0.1 is a loopback address; Proctor does not call such addresses unless an administrator allows them (PROCTOR_OUTBOUND_ALLOW_PRIVATE)',
        ],
        ['name=shop&version=6', { url: 'http://10.2.0.1/shop.apk' }, 400, 'body.url: 10.2.0.1 is a private address'],
        ['name=shop&version=6', { link: 'https://x/y' }, 400, 'body'],
        ['version=6', { url: 'https://x/y' }, 400, 'name'],
        ['name=shop&version=6&project=nope', { url: 'https://x/y' }, 404, 'project "nope"'],
      ];
      for (const [q, body, status, text] of cases) {
        const bad = await s.api('POST', `/api/v1/app-builds?${q}`, body);
        expect(bad.status, q).toBe(status);
        expect(bad.body.error.message, q).toContain(text);
      }
      // A range the administrator allowed; the URL is stored as the parser normalised it.
      const allowed = await s.api('POST', '/api/v1/app-builds?name=shop&version=7', {
        url: 'http://0x0a.0x01.0.9/shop.apk',
      });
      expect([allowed.status, allowed.body.url]).toEqual([201, 'http://10.1.0.9/shop.apk']);
    });
  });

  describe('runs that use a build', () => {
    it('records the build per environment, hands it to claimed jobs, and serves it only to their agent', async () => {
      const file = Buffer.from('an apk, honestly');
      const build = (await upload('name=droid&version=9&file_name=droid.apk', file)).body;
      const run = await s.api('POST', '/api/v1/plans/mobile/runs', { app_builds: { pixel: build.id } });
      expect(run.status).toBe(202);
      expect(run.body.trigger.app_builds).toEqual({ pixel: build.id });
      const agent = await ProtocolAgent.register(s, ['android']);
      const bystander = await ProtocolAgent.register(s, ['android']);
      const [disc] = await agent.claim(1);
      await agent.discover(disc!, ['t/one.test', 't/two.test']);
      const jobs = await agent.claim(8);
      const pixel = jobs.find((j) => j.environment.name === 'pixel')!;
      expect(pixel.app_build).toEqual({
        id: build.id,
        name: 'droid.apk',
        sha256: sha(file),
        size: file.length,
        url: null,
      });
      expect(jobs.find((j) => j.environment.name === 'chrome')!.app_build).toBeNull();
      // Every claimed job carries the administrator's outbound allow list: the agent downloads under it.
      expect([disc!, ...jobs].map((j) => j.outbound_allow)).toEqual([disc!, ...jobs].map(() => ['10.1.0.0/16']));
      const path = `/api/agent/v1/app-builds/${build.id}/content`;
      const got = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${agent.token}` } });
      expect(got.status).toBe(200);
      expect(got.headers.get('x-checksum-sha256')).toBe(sha(file));
      expect(Buffer.from(await got.arrayBuffer())).toEqual(file);
      expect((await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${bystander.token}` } })).status).toBe(
        404,
      );
      for (const j of jobs) await agent.execute(j, () => 'passed');
      expect((await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${agent.token}` } })).status).toBe(
        404,
      );
    });

    it('refuses app builds of unknown environments or builds, and applies profiles', async () => {
      const bad = await s.api('POST', '/api/v1/plans/mobile/runs', { app_builds: { safari: 1, pixel: 999_999 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        'app_builds.safari',
        'app_builds.pixel',
      ]);
      const fast = await s.api('POST', '/api/v1/plans/mobile/runs', { profile: 'fast' });
      expect(fast.status).toBe(202);
      expect(fast.body.trigger).toMatchObject({ profile: 'fast', environments: ['pixel'] });
      const none = await s.api('POST', '/api/v1/plans/mobile/runs', { profile: 'slow' });
      expect(none.status).toBe(400);
      expect(none.body.error.message).toBe('profile: plan "mobile" declares no profile "slow" (its profiles: fast)');
    });
  });
});
