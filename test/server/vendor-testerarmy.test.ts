import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { startVendorFixture, type VendorFixture } from '../support/vendor-fixture.js';
import { CURL, fill } from '../support/vendor-examples.js';
import { parseCurl, sendCurl } from '../support/curl.js';

/**
 * TesterArmy beyond its trigger document: the trigger at `/api/v1/…` as well as `/v1/…`, the
 * empty trigger with no body at all, unknown fields, and a run read back by its UUID
 * (`GET /v1/runs/{id}`, TesterArmy's "Get test run status") with status and result; its
 * `{ error, message }` on every path.
 */
describeEachDialect('TesterArmy contracts', (dialect) => {
  let f: VendorFixture;
  beforeAll(async () => {
    f = await startVendorFixture(dialect);
  });
  afterAll(() => f?.close());

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const at = (prefix: string, plan = 'checkout') => `${prefix}/tests/${f.plans[plan]!.uuid}/runs`;

  it("triggers at /api/v1/tests/{testId}/runs as at /v1/…, the document's example and no body at all", async () => {
    const example = parseCurl(
      fill(CURL.testerArmy, f.s.url, ADMIN_TOKEN, { testId: f.plans.checkout!.uuid }).replace(
        '/v1/tests',
        '/api/v1/tests',
      ),
    );
    const r = await sendCurl(example);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ status: 'queued', runId: expect.stringMatching(UUID), testId: f.plans.checkout!.uuid });
    for (const prefix of ['/v1', '/api/v1']) {
      const bare = await f.send('POST', at(prefix), { type: 'application/json' });
      expect(bare.status, prefix).toBe(202);
      const untyped = await f.send('POST', at(prefix));
      expect(untyped.status, prefix).toBe(202);
      const extra = await f.send('POST', at(prefix), {
        type: 'application/json',
        body: '{"mode":"fast","colour":"red","source":"ci"}',
      });
      expect(extra.status, prefix).toBe(202);
      expect((await f.s.api('GET', `/api/v1/runs/${extra.body.runId}`)).body.trigger.profile).toBe('fast');
    }
  });

  it('answers a run by its UUID, queued, running, then completed with its result, at both prefixes', async () => {
    await f.drain();
    const { runId } = (await f.send('POST', at('/v1', 'green'), { type: 'application/json', body: '{}' })).body;
    const paths = [
      `/v1/runs/${runId}`,
      `/v1/tests/${f.plans.green!.uuid}/runs/${runId}`,
      `/api/v1/tests/${f.plans.green!.uuid}/runs/${runId}`,
    ];
    for (const p of paths) {
      expect((await f.send('GET', p)).body, p).toMatchObject({
        id: runId,
        testId: f.plans.green!.uuid,
        status: 'queued',
        result: null,
        output: null,
        error: null,
        platform: 'web',
        createdAt: expect.any(String),
      });
    }
    const [discovery] = await f.agent.claim(1);
    await f.agent.discover(discovery!, ['a/one.test > works', 'a/one.test > fails']);
    const [job] = await f.agent.claim(1);
    expect((await f.send('GET', paths[0]!)).body).toMatchObject({ status: 'running', startedAt: expect.any(String) });
    await f.agent.execute(job!, (k) => (k.includes('fails') ? 'failed' : 'passed'));
    await f.drain();
    for (const p of paths) {
      expect((await f.send('GET', p)).body, p).toMatchObject({
        status: 'completed',
        result: 'failed',
        output: { result: 'FAILED', featureName: 'green' },
        durationMs: expect.any(Number),
        completedAt: expect.any(String),
      });
    }
    // Proctor's own run view takes the UUID as well.
    expect((await f.s.api('GET', `/api/v1/runs/${runId}`)).body).toMatchObject({
      uuid: runId,
      status: 'completed',
      result: 'failed',
    });
    const cancelled = (await f.send('POST', at('/v1', 'mac-only'))).body.runId;
    await f.s.api('POST', `/api/v1/runs/${cancelled}/cancel`);
    expect((await f.send('GET', `/v1/runs/${cancelled}`)).body).toMatchObject({
      status: 'cancelled',
      result: 'stopped',
    });
  });

  it("answers every path's errors as { error, message }", async () => {
    const { runId } = (await f.send('POST', at('/api/v1'))).body;
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: [string, string, string | null, number, string, string][] = [
      ['GET', `/v1/runs/${runId}`, null, 401, 'Unauthorized', 'missing API key'],
      ['GET', `/v1/runs/${runId}`, f.tokens.outsider, 404, 'Not Found', `run ${runId} does not exist`],
      ['GET', `/v1/runs/${missing}`, ADMIN_TOKEN, 404, 'Not Found', `run ${missing} does not exist`],
      ['GET', '/v1/runs/42', ADMIN_TOKEN, 400, 'Bad Request', 'runId must be a UUID'],
      [
        'GET',
        `/api/v1/tests/${f.plans.green!.uuid}/runs/${runId}`,
        ADMIN_TOKEN,
        404,
        'Not Found',
        `run ${runId} does not exist`,
      ],
      ['GET', `/api/v1/tests/${f.plans.checkout!.uuid}/runs/${runId}`, f.tokens.writer, 200, '', ''],
      ['POST', at('/api/v1'), f.tokens.reader, 403, 'Forbidden', 'lacks the PLAN_RUN authority'],
      ['POST', `/api/v1/tests/${missing}/runs`, ADMIN_TOKEN, 404, 'Not Found', 'does not exist'],
    ];
    for (const [method, path, token, status, error, message] of cases) {
      const r = await f.send(method, path, { token });
      expect(r.status, path).toBe(status);
      if (status !== 200) expect(r.body, path).toEqual({ error, message: expect.stringContaining(message) });
    }
    const badPlatform = await f.send('POST', at('/api/v1'), { type: 'application/json', body: '{"platform":"tv"}' });
    expect(badPlatform.body).toEqual({ error: 'Bad Request', message: 'platform must be one of web, ios, android' });
  });

  it('triggers a plan by its group webhook, the key as the secret in the URL, and answers its errors as { error, message }', async () => {
    const hook = (plan: string, secret: string, prefix = '/v1') => `${prefix}/groups/webhook/${plan}/${secret}`;
    const green = f.plans.green!.uuid;
    for (const prefix of ['/v1', '/api/v1']) {
      const ok = await f.send('POST', hook(green, f.tokens.runner, prefix), { token: null });
      expect(ok.status, prefix).toBe(202);
      expect(ok.body).toEqual({
        received: true,
        status: 'queued',
        groupId: green,
        runId: expect.stringMatching(UUID),
        runIds: [ok.body.runId],
        count: 1,
      });
      const run = (await f.s.api('GET', `/api/v1/runs/${ok.body.runId}`)).body;
      const me = (await f.s.api('GET', '/api/v1/me', undefined, { token: f.tokens.runner })).body;
      expect(run).toMatchObject({ plan: { name: 'green' }, trigger: { source: 'testerarmy', user_id: me.user.id } });
    }
    const withBody = await f.send('POST', hook(green, f.tokens.runner), {
      token: null,
      type: 'application/json',
      body: '{"commitSha":"abc123","targetUrl":"https://preview.example.com","environment":"preview"}',
    });
    expect((await f.s.api('GET', `/api/v1/runs/${withBody.body.runId}`)).body.trigger).toMatchObject({
      build: 'abc123',
      parameters: { TARGET_URL: 'https://preview.example.com' },
    });
    // The group run of TesterArmy's API reference: the same, with the key as a Bearer token.
    const groupRun = await f.send('POST', `/api/v1/groups/${green}/runs`, {
      token: f.tokens.runner,
      type: 'application/json',
      body: '{"platform":"web","prNumber":7}',
    });
    expect(groupRun.status).toBe(202);
    expect(groupRun.body).toEqual({
      status: 'queued',
      groupId: green,
      batchId: groupRun.body.runIds[0],
      runIds: [expect.stringMatching(UUID)],
      queuedRunIds: groupRun.body.runIds,
      cancelledRunIds: [],
      count: 1,
    });
    const cases: [string, string, number, string, string][] = [
      ['POST', hook(green, 'pk_nonsense'), 401, 'Unauthorized', 'unknown API key'],
      ['POST', `/v1/groups/${green}/runs`, 401, 'Unauthorized', 'missing API key'],
      ['POST', hook(green, f.tokens.reader), 403, 'Forbidden', 'lacks the PLAN_RUN authority'],
      ['POST', hook(green, f.tokens.outsider), 404, 'Not Found', 'does not exist'],
      ['POST', hook('42', f.tokens.runner), 400, 'Bad Request', 'webhookId must be a UUID'],
      ['GET', '/v1/nothing/here', 404, 'Not Found', 'no route GET /v1/nothing/here'],
      ['GET', `/v1/tests/${green}/runs`, 404, 'Not Found', `no route GET /v1/tests/${green}/runs`],
      ['DELETE', `/v1/runs/${withBody.body.runId}`, 404, 'Not Found', 'no route DELETE'],
    ];
    for (const [method, path, status, error, message] of cases) {
      const r = await f.send(method, path, { token: null });
      expect(r.status, path).toBe(status);
      expect(r.body, path).toEqual({ error, message: expect.stringContaining(message) });
    }
    const bundle = await f.send('POST', hook(green, f.tokens.runner), {
      token: null,
      type: 'application/json',
      body: '{"mobile":{"bundleId":"com.example.shop"}}',
    });
    expect(bundle.status).toBe(400);
    expect(bundle.body.message).toContain('mobile.bundleId is not supported here: send mobile.appId');
    // Under /api/v1 an unknown path is Proctor's own.
    const native = await f.send('GET', '/api/v1/nothing/here');
    expect(native.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /api/v1/nothing/here' } });
  });

  it("refuses mobile uploads it cannot take, in TesterArmy's shape: a changed, used, revoked or mis-sized upload URL", async () => {
    const base = '/api/v1/projects/default/mobile';
    const start = async (fileSize: number, token = f.tokens.runner) =>
      (
        await f.send('POST', `${base}/upload`, {
          token,
          type: 'application/json',
          body: JSON.stringify({ filename: 'My App.app.zip', fileSize }),
        })
      ).body as { uploadUrl: string; storageKey: string };
    const put = (url: string, body: string) =>
      fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    const forbidden = { error: 'Forbidden', message: expect.stringContaining('this upload URL is not valid') };

    const up = await start(5);
    expect(await put(`${up.uploadUrl.slice(0, -3)}AAA`, 'hello')).toEqual({ status: 403, body: forbidden });
    expect(await put(up.uploadUrl.replace('/default/', '/elsewhere/'), 'hello')).toEqual({
      status: 403,
      body: forbidden,
    });
    expect(await put(up.uploadUrl, 'hello, world')).toMatchObject({
      status: 400,
      body: { error: 'Bad Request', message: expect.stringContaining('where fileSize said 5') },
    });
    const early = await f.send('POST', `${base}/upload/confirm`, {
      type: 'application/json',
      body: JSON.stringify({ storageKey: up.storageKey, filename: 'x', fileSize: 5 }),
    });
    expect(early.body).toEqual({ error: 'Bad Request', message: expect.stringContaining('nothing was uploaded') });
    expect((await put(up.uploadUrl, 'hello')).status).toBe(200);
    expect(await put(up.uploadUrl, 'hello')).toMatchObject({ status: 409, body: { error: 'Conflict' } });
    const sized = await f.send('POST', `${base}/upload/confirm`, {
      type: 'application/json',
      body: JSON.stringify({ storageKey: up.storageKey, filename: 'x', fileSize: 6 }),
    });
    expect(sized.body).toEqual({ error: 'Bad Request', message: 'fileSize: the upload holds 5 bytes, not 6' });
    const confirmed = await f.send('POST', `${base}/upload/confirm`, {
      type: 'application/json',
      body: JSON.stringify({ storageKey: up.storageKey, filename: 'My App.app.zip', fileSize: 5, removeAfter: 600 }),
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.app).toMatchObject({ platform: 'ios', filename: 'My_App.app.zip', removeAfter: 600 });

    // A URL dies with the key that asked for it.
    const temp = (await f.s.api('POST', '/api/v1/keys', { name: 'temp', authorities: ['PLAN_RUN'] })).body;
    const doomed = await start(5, temp.token);
    await f.s.api('DELETE', `/api/v1/keys/${temp.key.id}`);
    expect(await put(doomed.uploadUrl, 'hello')).toEqual({ status: 403, body: forbidden });

    const huge = await f.send('POST', `${base}/upload`, {
      type: 'application/json',
      body: JSON.stringify({ filename: 'a.apk', fileSize: 10 * 1024 ** 4 }),
    });
    expect(huge.body).toEqual({
      error: 'Payload Too Large',
      message: expect.stringContaining('PROCTOR_APP_BUILD_LIMIT'),
    });
    const hidden = await f.send('POST', `${base}/upload`, {
      token: f.tokens.outsider,
      type: 'application/json',
      body: JSON.stringify({ filename: 'a.apk', fileSize: 5 }),
    });
    expect(hidden.body).toEqual({ error: 'Not Found', message: 'project "default" does not exist' });

    // A build a run still needs is not deleted until the run ends.
    const appId = confirmed.body.app.id as string;
    const waiting = await f.send('POST', `/v1/tests/${f.plans['mac-only']!.uuid}/runs`, {
      type: 'application/json',
      body: JSON.stringify({ appId }),
    });
    expect(waiting.status).toBe(202);
    const busy = await f.send('DELETE', `${base}/${appId}`);
    expect(busy.body).toEqual({ error: 'Conflict', message: expect.stringContaining('is still needed') });
    await f.s.api('POST', `/api/v1/runs/${waiting.body.runId}/cancel`);
    expect((await f.send('DELETE', `${base}/${appId}`)).body).toEqual({ deleted: true });
    expect((await f.send('DELETE', `${base}/${appId}`)).body).toEqual({
      error: 'Not Found',
      message: `mobile app ${appId} does not exist in this project`,
    });
  });
});
