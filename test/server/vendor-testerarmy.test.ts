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
});
