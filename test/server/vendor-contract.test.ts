import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCurl, sendCurl } from '../support/curl.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import {
  CURL,
  TESTINIUM_RERUN_V2_BODY,
  TESTSIGMA_STATUS_EXAMPLE,
  fill,
  shapeDifferences,
} from '../support/vendor-examples.js';

/**
 * The five vendor documents as contracts: every example request, sent as printed (base URL and
 * token replaced), and every documented field of the answers, on success and error paths, against
 * a real server whose runs a protocol agent drives to completion.
 */
const FILE = `
environments:
  chrome: { platform: web }
  pixel: { platform: android, labels: [android] }
  iphone: { platform: ios, labels: [ios] }
  safari: { platform: web, labels: [mac] }
plans:
  checkout:
    description: Checkout flows
    framework: command
    environments: [chrome, pixel, iphone]
    profiles:
      fast: { environments: [chrome, pixel], retries: 0 }
      deep: { timeout: 20m }
  rerunnable: { framework: command, environments: [chrome, pixel] }
  exclusive: { framework: command, environments: [chrome], concurrency: skip }
  queued: { framework: command, environments: [chrome], concurrency: queue }
  mac-only: { framework: command, environments: [chrome, safari] }
  limited: { framework: command, environments: [safari], run_timeout: 1s }
`;
const OTHER = 'project: elsewhere\nenvironments:\n  e: {}\nplans:\n  far: { framework: command, environments: [e] }\n';
const KEYS = ['a/one.test > works', 'a/one.test > fails'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeEachDialect('vendor API contracts', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  const plans: Record<string, { id: number; uuid: string }> = {};
  const envs: Record<string, number> = {};
  const tokens: Record<string, string> = {};
  let adminUser: number;
  let botUser: number;

  beforeAll(async () => {
    s = await startTestServer(dialect, { start: { settings: { processOverheadMs: 0 } } });
    expect((await s.api('POST', '/api/v1/apply', FILE)).status).toBe(200);
    expect((await s.api('POST', '/api/v1/apply', OTHER)).status).toBe(200);
    agent = await ProtocolAgent.register(s, ['android', 'ios'], 8);
    for (const p of (await s.api('GET', '/api/v1/plans')).body.items) plans[p.name] = { id: p.id, uuid: p.uuid };
    for (const e of (await s.api('GET', '/api/v1/environments')).body.items) envs[e.name] = e.id;
    const key = async (name: string, body: object) =>
      (await s.api('POST', '/api/v1/keys', { name, ...body })).body.token as string;
    tokens.reader = await key('reader', { authorities: ['PLAN_READ'] });
    tokens.bot = await key('bot', { user: 'ci-bot', authorities: ['PLAN_READ', 'PLAN_RUN'] });
    tokens.outsider = await key('outsider', { authorities: ['PLAN_READ', 'PLAN_RUN'], projects: ['elsewhere'] });
    tokens.limited = await key('limited', { authorities: ['PLAN_READ', 'PLAN_RUN'], max_active_runs: 1 });
    adminUser = (await s.api('GET', '/api/v1/me')).body.user.id;
    botUser = (await s.api('GET', '/api/v1/me', undefined, { token: tokens.bot })).body.user.id;
  });
  afterAll(() => s?.close());

  const curl = (line: string, values: Record<string, string | number> = {}, token = ADMIN_TOKEN) =>
    sendCurl(parseCurl(fill(line, s.url, token, values)));
  const post = (path: string, body: unknown, token: string | null = ADMIN_TOKEN, type = 'application/json') =>
    sendCurl({
      method: 'POST',
      url: `${s.url}${path}`,
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (path: string, token: string | null = ADMIN_TOKEN) =>
    sendCurl({
      method: 'GET',
      url: `${s.url}${path}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body: undefined,
    });
  const runOf = async (location: string | null) => (await s.api('GET', location!)).body;
  const runByUuid = async (plan: string, uuid: string) =>
    (await s.api('GET', `/api/v1/runs?plan=${plan}&limit=500`)).body.items.find(
      (r: { uuid: string }) => r.uuid === uuid,
    );
  const pairsOf = async (runId: number) =>
    (
      (await s.api('GET', `/api/v1/runs/${runId}/results?limit=1000`)).body.items as {
        scenario: { key: string };
        environment: string;
        status: string;
      }[]
    )
      .map((r) => `${r.environment}: ${r.scenario.key} = ${r.status}`)
      .sort();

  /** Answers every claimable job: discovery lists KEYS; "fails" fails, the rest pass. */
  async function drain(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const jobs = await agent.claim(8);
      if (jobs.length === 0) return;
      for (const job of jobs) {
        if (job.kind === 'discover') await agent.discover(job, KEYS);
        else await agent.execute(job, (k) => (k.includes('fails') ? 'failed' : 'passed'));
      }
    }
  }

  const envelope = (code: number, message: string) => ({ data: null, result: { code, message } });
  const httpError = (code: number, message: string) => ({
    data: null,
    result: { code, message, detail: expect.any(String) },
  });

  it("documents every vendor route in the OpenAPI document, under its vendor's tag", async () => {
    const doc = (await s.api('GET', '/api/openapi.json', undefined, { token: null })).body;
    const vendorOps = Object.entries(doc.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap(
      ([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.tags?.some((t) => t.startsWith('compat: ')))
          .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    for (const op of [
      'POST /queue',
      'POST /queue/rerun',
      'POST /Testinium.RestApi/oauth/token',
      'GET /Testinium.RestApi/api/plans',
      'GET /Testinium.RestApi/api/plans/{plan}',
      'GET /Testinium.RestApi/api/plans/{plan}/run',
      'POST /Testinium.RestApi/api/plans/{plan}/run',
      'GET /Testinium.RestApi/api/plans/{plan}/run/{forceRun}',
      'GET /Testinium.RestApi/api/plans/{plan}/run/company/{companyId}',
      'GET /Testinium.RestApi/api/plans/{plan}/checkIsRunning',
      'GET /Testinium.RestApi/api/plans/{plan}/stop',
      'POST /Testinium.RestApi/api/plans/{plan}/rerun',
      'PUT /Testinium.RestApi/api/plans/{plan}/setAndroidMobileApp/{mobileAppId}',
      'PUT /Testinium.RestApi/api/plans/{plan}/setIosMobileApp/{mobileAppId}',
      'GET /Testinium.RestApi/api/plans/{plan}/testExecutions',
      'GET /Testinium.RestApi/api/testExecutions/{execId}',
      'GET /Testinium.RestApi/api/testResults/executionId/{execId}/pages/{page}',
      'GET /Testinium.RestApi/api/testResults/{resultId}',
      'GET /Testinium.RestApi/api/projects/{project}',
      'POST /Testinium.RestApi/api/file/project/{project}',
      'POST /v1/tests/{testId}/runs',
      'POST /api/v1/tests/{testId}/runs',
      'GET /v1/runs/{runId}',
      'GET /v1/tests/{testId}/runs/{runId}',
      'GET /api/v1/tests/{testId}/runs/{runId}',
      'POST /v1/groups/webhook/{webhookId}/{secret}',
      'POST /v1/groups/{groupId}/runs',
      'POST /v1/projects/{projectId}/mobile/upload',
      'PUT /v1/projects/{projectId}/mobile/uploads/{uuid}',
      'POST /v1/projects/{projectId}/mobile/upload/confirm',
      'DELETE /v1/projects/{projectId}/mobile/{appId}',
      'POST /api/v1/groups/webhook/{webhookId}/{secret}',
      'POST /api/v1/groups/{groupId}/runs',
      'POST /api/v1/projects/{projectId}/mobile/upload',
      'PUT /api/v1/projects/{projectId}/mobile/uploads/{uuid}',
      'POST /api/v1/projects/{projectId}/mobile/upload/confirm',
      'DELETE /api/v1/projects/{projectId}/mobile/{appId}',
      'POST /api/v1/execution_results',
      'GET /api/v1/execution_results/{run}',
      'GET /api/v1/execution_results/{run}/test_case_results',
      'GET /api/v1/reports/junit/{run}',
      'POST /api/v1/test_plan_results',
      'GET /api/v1/test_plan_results/{run}',
    ])
      expect(vendorOps, op).toContain(op);
    expect(doc.paths['/Testinium.RestApi/oauth/token'].post.security).toEqual([]);
  });

  describe('Testinium gateway: POST /queue (testinium-gateway-queue-run-plan.md)', () => {
    it('runs the plan for the user and answers the documented success', async () => {
      const r = await curl(CURL.testiniumRunPlan, { '<plan_id>': plans.checkout!.id, '<user_id>': adminUser });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ data: null, result: { code: 0, message: 'success' } });
      expect(await runOf(r.headers.get('location'))).toMatchObject({
        plan: { name: 'checkout' },
        status: 'queued',
        trigger: { source: 'testinium', user_id: adminUser },
      });
    });

    it('lets a key act for its own user, an ADMIN key for any user, and no other key for another user', async () => {
      const own = await curl(
        CURL.testiniumRunPlan,
        { '<plan_id>': plans.checkout!.id, '<user_id>': botUser },
        tokens.bot,
      );
      expect(own.body).toEqual(envelope(0, 'success'));
      const forBot = await curl(CURL.testiniumRunPlan, { '<plan_id>': plans.checkout!.id, '<user_id>': botUser });
      expect((await runOf(forBot.headers.get('location'))).trigger.user_id).toBe(botUser);
      const other = await curl(
        CURL.testiniumRunPlan,
        { '<plan_id>': plans.checkout!.id, '<user_id>': adminUser },
        tokens.bot,
      );
      expect(other.status).toBe(403);
      expect(other.body).toEqual(httpError(403, 'FORBIDDEN'));
    });

    it('answers the application codes: plan not found (10000), user not found (10002)', async () => {
      const noPlan = await curl(CURL.testiniumRunPlan, { '<plan_id>': 987654, '<user_id>': adminUser });
      expect(noPlan.status).toBe(400);
      expect(noPlan.body).toEqual(envelope(10000, 'Plan not found!'));
      const hidden = await curl(
        CURL.testiniumRunPlan,
        { '<plan_id>': plans.checkout!.id, '<user_id>': adminUser },
        tokens.outsider,
      );
      expect(hidden.body).toEqual(envelope(10000, 'Plan not found!'));
      const noUser = await curl(CURL.testiniumRunPlan, { '<plan_id>': plans.checkout!.id, '<user_id>': 987654 });
      expect(noUser.body).toEqual(envelope(10002, 'User not found!'));
    });

    it('answers a malformed request with 400 INVALID_REQUEST, and authentication in the same envelope', async () => {
      for (const body of ['{"planId":', '{"planId":"abc","userId":1}', `{"planId":${plans.checkout!.id}}`, '[1]']) {
        const r = await post('/queue', body);
        expect(r.status, body).toBe(400);
        expect(r.body, body).toEqual(httpError(400, 'INVALID_REQUEST'));
      }
      // The v2.0 pages' code for missing credentials (the run-plan page lists no 401).
      const anonymous = await post('/queue', { planId: 1, userId: 1 }, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({
        data: null,
        result: {
          code: 1000,
          message: 'Full authentication is required to access this resource',
          detail: expect.any(String),
        },
      });
      expect((await post('/queue', { planId: 1, userId: 1 }, tokens.reader)).body).toEqual(httpError(403, 'FORBIDDEN'));
    });
  });

  describe('Testinium gateway: POST /queue/rerun (testinium-gateway-queue-rerun.md)', () => {
    let parent: number;
    const rerunValues = (
      scenarioId: number,
      environmentId: number,
      planId = plans.rerunnable!.id,
      userId = adminUser,
    ) => ({
      '"planId": 614': `"planId": ${planId}`,
      '"userId": 13': `"userId": ${userId}`,
      '"scenarioId": 111': `"scenarioId": ${scenarioId}`,
      '"environmentId": 222': `"environmentId": ${environmentId}`,
    });
    let works: number;

    beforeAll(async () => {
      const r = await curl(CURL.testiniumRunPlan, { '<plan_id>': plans.rerunnable!.id, '<user_id>': adminUser });
      parent = (await runOf(r.headers.get('location'))).id;
      await drain();
      const rows = (await s.api('GET', `/api/v1/runs/${parent}/results`)).body.items as {
        scenario: { id: number; key: string };
      }[];
      works = rows.find((x) => x.scenario.key === 'a/one.test > works')!.scenario.id;
    });

    it("reruns exactly the listed pairs of the plan's last run", async () => {
      const r = await curl(CURL.testiniumRerun, rerunValues(works, envs.pixel!));
      expect(r.status).toBe(200);
      expect(r.body).toEqual(envelope(0, 'success'));
      const run = await runOf(r.headers.get('location'));
      expect(run).toMatchObject({
        rerun_parent_id: parent,
        rerun_type: 'pairs',
        trigger: { source: 'testinium', environments: ['pixel'] },
      });
      await drain();
      expect(await pairsOf(run.id)).toEqual(['pixel: a/one.test > works = passed']);
      // The document's URL field says /queue: the same body there is a rerun too (of the last run: the one above).
      const atQueue = await post(
        '/queue',
        JSON.parse(
          fill(CURL.testiniumRerun, '', '', rerunValues(works, envs.pixel!)).split("--data '")[1]!.slice(0, -1),
        ),
      );
      expect(atQueue.body).toEqual(envelope(0, 'success'));
      expect(await runOf(atQueue.headers.get('location'))).toMatchObject({
        rerun_parent_id: run.id,
        rerun_type: 'pairs',
        trigger: { environments: ['pixel'] },
      });
    });

    it('takes the pairs from the last run that held them, even when the newest run is a rerun of others', async () => {
      // Results carry the environment's id next to its name: what the gateway's pairs name.
      const rows = (await s.api('GET', `/api/v1/runs/${parent}/results`)).body.items as {
        scenario: { id: number; key: string };
        environment: string;
        environment_id: number;
      }[];
      const failsChrome = rows.find((r) => r.scenario.key === 'a/one.test > fails' && r.environment === 'chrome')!;
      expect(failsChrome.environment_id).toBe(envs.chrome);
      // The plan's newest runs rerun works@pixel only; fails@chrome is still to be had from the first run.
      const r = await curl(CURL.testiniumRerun, rerunValues(failsChrome.scenario.id, failsChrome.environment_id));
      expect(r.body).toEqual(envelope(0, 'success'));
      const run = await runOf(r.headers.get('location'));
      expect(run).toMatchObject({ rerun_parent_id: parent, trigger: { environments: ['chrome'] } });
      await drain();
      expect(await pairsOf(run.id)).toEqual(['chrome: a/one.test > fails = failed']);
    });

    it('answers the application codes 1000, 1002 and 1006 to a body with frameworkType, whatever its value', async () => {
      const base = {
        planId: plans.rerunnable!.id,
        userId: adminUser,
        frameworkType: 'APPIUM',
        scenarioEnvironmentPairs: [{ scenarioId: works, environmentId: envs.pixel! }],
      };
      expect((await post('/queue/rerun', { ...base, planId: 987654 })).body).toEqual(envelope(1000, 'Plan not found!'));
      expect((await post('/queue/rerun', { ...base, userId: 987654 })).body).toEqual(envelope(1002, 'User not found!'));
      expect((await post('/queue/rerun', { ...base, scenarioEnvironmentPairs: [] })).body).toEqual(
        envelope(1006, 'At least one scenarioEnvironmentPair is required'),
      );
      // The framework is the plan's: a frameworkType Proctor cannot use is no reason to refuse.
      const blank = await post('/queue/rerun', { ...base, frameworkType: ' ' });
      expect(blank.body).toEqual(envelope(0, 'success'));
      expect(await runOf(blank.headers.get('location'))).toMatchObject({
        rerun_type: 'pairs',
        trigger: { environments: ['pixel'] },
      });
      await drain();
    });

    describe('the same route as rerun-test-plan-v2.0.md describes it: no frameworkType, codes 10000 and 10002', () => {
      it("reruns the pairs of the document's example request, sent as printed but for its one unclosed quote", async () => {
        // As printed, the Authorization header's quote is never closed.
        expect(() => parseCurl(CURL.testiniumRerunV2)).toThrow(/unterminated/);
        const repaired = CURL.testiniumRerunV2.replace('<your_access_token>\\\n', "<your_access_token>' \\\n");
        expect(repaired).not.toBe(CURL.testiniumRerunV2);
        const r = await curl(repaired, {
          '{planId}': plans.rerunnable!.id,
          '{userId}': adminUser,
          '{scenarioId}': works,
          '{environmentId}': envs.pixel!,
        });
        expect(r.status).toBe(200);
        expect(r.body).toEqual(envelope(0, 'success'));
        const run = await runOf(r.headers.get('location'));
        expect(run).toMatchObject({
          plan: { name: 'rerunnable' },
          rerun_type: 'pairs',
          trigger: { source: 'testinium', user_id: adminUser, environments: ['pixel'] },
        });
        await drain();
        expect(await pairsOf(run.id)).toEqual(['pixel: a/one.test > works = passed']);
      });

      it("reruns both pairs of the document's request body, as printed with our ids", async () => {
        const rows = (await s.api('GET', `/api/v1/runs/${parent}/results`)).body.items as {
          scenario: { id: number; key: string };
        }[];
        const fails = rows.find((x) => x.scenario.key === 'a/one.test > fails')!.scenario.id;
        const body = fill(TESTINIUM_RERUN_V2_BODY, '', '', {
          '704': plans.rerunnable!.id,
          '"userId": 1,': `"userId": ${adminUser},`,
          '4267': works,
          '2001': envs.pixel!,
          '4312': fails,
          '2002': envs.chrome!,
        });
        expect(JSON.parse(body)).not.toHaveProperty('frameworkType');
        const r = await post('/queue/rerun', body);
        expect(r.body).toEqual(envelope(0, 'success'));
        const run = await runOf(r.headers.get('location'));
        expect(run).toMatchObject({
          rerun_parent_id: parent,
          rerun_type: 'pairs',
          trigger: { environments: ['chrome', 'pixel'] },
        });
        await drain();
        expect(await pairsOf(run.id)).toEqual([
          'chrome: a/one.test > fails = failed',
          'pixel: a/one.test > works = passed',
        ]);
      });

      it('answers its own application codes, naming the id, and 1000 without credentials', async () => {
        const base = {
          planId: plans.rerunnable!.id,
          userId: adminUser,
          scenarioEnvironmentPairs: [{ scenarioId: works, environmentId: envs.pixel! }],
        };
        const noPlan = await post('/queue/rerun', { ...base, planId: 987654 });
        expect(noPlan.status).toBe(400);
        expect(noPlan.body).toEqual(envelope(10000, 'Plan with id 987654 not found!'));
        expect((await post('/queue/rerun', { ...base, planId: plans.rerunnable!.id }, tokens.outsider)).body).toEqual(
          envelope(10000, `Plan with id ${plans.rerunnable!.id} not found!`),
        );
        expect((await post('/queue/rerun', { ...base, userId: 987654 })).body).toEqual(
          envelope(10002, 'User with id 987654 not found!'),
        );
        // The same body sent to /queue (the other rerun page's URL) is answered the same way.
        expect((await post('/queue', { ...base, userId: 987654 })).body).toEqual(
          envelope(10002, 'User with id 987654 not found!'),
        );
        // No pairs: the page has no code for it, so the documented 400 INVALID_REQUEST.
        const noPairs = await post('/queue/rerun', { ...base, scenarioEnvironmentPairs: [] });
        expect(noPairs.body).toEqual(httpError(400, 'INVALID_REQUEST'));
        expect(noPairs.body.result.detail).toContain('scenarioEnvironmentPairs');
        const anonymous = await post('/queue/rerun', base, null);
        expect(anonymous.status).toBe(401);
        expect(anonymous.body).toEqual({
          data: null,
          result: {
            code: 1000,
            message: 'Full authentication is required to access this resource',
            detail: expect.any(String),
          },
        });
      });
    });

    it('answers unknown pairs, a plan without runs and malformed bodies with 400 INVALID_REQUEST', async () => {
      const unknown = await curl(CURL.testiniumRerun, rerunValues(987654, envs.pixel!));
      expect(unknown.body).toEqual(httpError(400, 'INVALID_REQUEST'));
      expect(unknown.body.result.detail).toContain('scenarioEnvironmentPairs[0].scenario');
      const never = await curl(CURL.testiniumRerun, rerunValues(works, envs.chrome!, plans['mac-only']!.id));
      expect(never.body.result.detail).toContain('has never run');
      expect(
        (await post('/queue/rerun', '{"planId": 1, "scenarioEnvironmentPairs": [{"scenarioId": "x"}]}')).body,
      ).toEqual(httpError(400, 'INVALID_REQUEST'));
    });
  });

  describe('Testinium REST API: GET /Testinium.RestApi/api/plans/{id}/run (testinium-restapi-plans-run.md)', () => {
    it('runs the plan and answers RunTestPlanResponse', async () => {
      const r = await curl(CURL.testiniumRestApi, { '{id}': plans.checkout!.id });
      expect(r.status).toBe(200);
      // `succesful` too: Testinium's Jenkins plugin reads that spelling.
      expect(r.body).toEqual({
        execution_id: expect.any(Number),
        unavailable_env_list: [],
        successful: true,
        succesful: true,
        already_running: false,
      });
      expect((await s.api('GET', `/api/v1/runs/${r.body.execution_id}`)).body).toMatchObject({
        plan: { name: 'checkout' },
        trigger: { source: 'testinium' },
      });
      const byName = await curl(CURL.testiniumRestApi, { '{id}': 'checkout' });
      expect(byName.body.successful).toBe(true);
    });

    it('records the callbackUrl and lists environments no agent can serve', async () => {
      const r = await get(
        `/Testinium.RestApi/api/plans/${plans['mac-only']!.id}/run?callbackUrl=${encodeURIComponent('https://ci.example.com/hooks/7')}`,
      );
      // Objects, as testinium-enterprise-1.16.7 prints them (`[{"id": 74}]`) and its Jenkins plugin parses them.
      expect(r.body).toMatchObject({
        unavailable_env_list: [{ id: envs.safari, name: 'safari' }],
        successful: true,
        already_running: false,
      });
      expect((await s.api('GET', `/api/v1/runs/${r.body.execution_id}`)).body.trigger.callback_url).toBe(
        'https://ci.example.com/hooks/7',
      );
      const bad = await get(`/Testinium.RestApi/api/plans/${plans.checkout!.id}/run?callbackUrl=nope`);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ message: 'Bad Request', detail: expect.stringContaining('callbackUrl') });
    });

    it('follows the concurrency policy of a plan that is already running', async () => {
      const path = (p: string) => `/Testinium.RestApi/api/plans/${plans[p]!.id}/run`;
      const first = (await get(path('exclusive'))).body;
      const before = (await s.api('GET', '/api/v1/runs?plan=exclusive')).body.items.length;
      expect((await get(path('exclusive'))).body).toEqual({
        execution_id: first.execution_id,
        unavailable_env_list: [],
        successful: false,
        succesful: false,
        already_running: true,
      });
      expect((await s.api('GET', '/api/v1/runs?plan=exclusive')).body.items.length).toBe(before);
      const q1 = (await get(path('queued'))).body;
      const q2 = (await get(path('queued'))).body;
      expect(q2).toMatchObject({ successful: true, already_running: true });
      expect(q2.execution_id).not.toBe(q1.execution_id);
    });

    it('answers 401, 403 and 404 as documented', async () => {
      const path = `/Testinium.RestApi/api/plans/${plans.checkout!.id}/run`;
      expect(await get(path, null)).toMatchObject({
        status: 401,
        body: { message: 'Unauthorized', detail: expect.any(String) },
      });
      expect(await get(path, tokens.reader)).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
      // Another project's plan does not exist for this key (issue 16: 404, not 403).
      expect(await get(path, tokens.outsider)).toMatchObject({ status: 404, body: { message: 'Test Plan not found' } });
      expect(await get('/Testinium.RestApi/api/plans/987654/run')).toMatchObject({
        status: 404,
        body: { message: 'Test Plan not found' },
      });
    });
  });

  describe('TesterArmy: POST /v1/tests/{testId}/runs (testerarmy-trigger-test-run.md)', () => {
    it('queues a run and answers 202 { status, runId, testId }', async () => {
      const r = await curl(CURL.testerArmy, { testId: plans.checkout!.uuid });
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ status: 'queued', runId: expect.stringMatching(UUID), testId: plans.checkout!.uuid });
      expect(await runByUuid('checkout', r.body.runId)).toMatchObject({
        trigger: { source: 'testerarmy', environments: ['chrome', 'pixel', 'iphone'] },
      });
    });

    it('selects a profile by mode, environments by platform, and an app build by appId', async () => {
      const send = async (body: object) => (await post(`/v1/tests/${plans.checkout!.uuid}/runs`, body)).body;
      expect((await runByUuid('checkout', (await send({ mode: 'fast' })).runId)).trigger).toMatchObject({
        profile: 'fast',
        environments: ['chrome', 'pixel'],
      });
      expect(
        (await runByUuid('checkout', (await send({ mode: 'deep', platform: 'android' })).runId)).trigger,
      ).toMatchObject({ profile: 'deep', environments: ['pixel'] });
      const build = (
        await s.api('POST', '/api/v1/app-builds?name=shop&version=1', { url: 'https://builds.example.com/shop.ipa' })
      ).body;
      const withApp = await runByUuid('checkout', (await send({ platform: 'ios', appId: build.uuid })).runId);
      expect(withApp.trigger).toMatchObject({ environments: ['iphone'], app_builds: { iphone: build.id } });
    });

    it('answers errors as { error, message }: 400, 401, 404', async () => {
      const at = `/v1/tests/${plans.checkout!.uuid}/runs`;
      const cases: [string, unknown, number, string, string][] = [
        [at, { mode: 'slow' }, 400, 'Bad Request', 'mode must be one of fast, deep'],
        [at, { platform: 'tv' }, 400, 'Bad Request', 'platform must be one of web, ios, android'],
        [
          at,
          { mode: 'fast', platform: 'ios' },
          400,
          'Bad Request',
          'platform: plan "checkout" has no environment of platform "ios"',
        ],
        [at, { appId: '00000000-0000-4000-8000-000000000000' }, 400, 'Bad Request', 'appId: app build'],
        [
          `/v1/tests/${plans.exclusive!.uuid}/runs`,
          { mode: 'fast' },
          400,
          'Bad Request',
          'mode: plan "exclusive" declares no profile "fast"',
        ],
        ['/v1/tests/testId/runs', {}, 400, 'Bad Request', 'testId'],
        ['/v1/tests/00000000-0000-4000-8000-000000000000/runs', {}, 404, 'Not Found', 'does not exist'],
      ];
      for (const [path, body, status, error, text] of cases) {
        const r = await post(path, body);
        expect(r.status, text).toBe(status);
        expect(r.body, text).toEqual({ error, message: expect.stringContaining(text) });
      }
      expect((await post(at, {}, null)).body).toEqual({ error: 'Unauthorized', message: expect.any(String) });
      expect((await post(at, '{"mode":', ADMIN_TOKEN)).body).toEqual({
        error: 'Bad Request',
        message: expect.any(String),
      });
    });

    it('answers 429 when the key is over its usage limit', async () => {
      const at = `/v1/tests/${plans.checkout!.uuid}/runs`;
      expect((await post(at, {}, tokens.limited)).status).toBe(202);
      const over = await post(at, {}, tokens.limited);
      expect(over.status).toBe(429);
      expect(over.body).toEqual({ error: 'Too Many Requests', message: expect.stringContaining('limit') });
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('with ?wait, answers the ended run, or 504 when the run exceeded its time limit or the wait', async () => {
      const timedOut = await post(`/v1/tests/${plans.limited!.uuid}/runs?wait=30`, {});
      expect(timedOut.status).toBe(504);
      expect(timedOut.body).toEqual({
        error: 'Gateway Timeout',
        message: expect.stringContaining('exceeded its time limit'),
      });
      const slow = await post(`/v1/tests/${plans['mac-only']!.uuid}/runs?wait=1`, {});
      expect(slow.status).toBe(504);
      expect(slow.body).toEqual({
        error: 'Gateway Timeout',
        message: expect.stringContaining('did not end within 1 s'),
      });
      const waiting = post(`/v1/tests/${plans.rerunnable!.uuid}/runs?wait=60`, {});
      let done: Awaited<typeof waiting> | undefined;
      void waiting.then((r) => (done = r));
      while (!done) {
        await drain();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(done.status).toBe(200);
      expect(done.body).toEqual({
        status: 'completed',
        result: 'failed',
        runId: expect.stringMatching(UUID),
        testId: plans.rerunnable!.uuid,
      });
    });
  });

  describe('Testsigma: /api/v1/execution_results (testsigma-execution-results.md)', () => {
    let started: { id: number };
    const nullable = new Set([
      'buildNo',
      'duration',
      'endTime',
      'execution.createdById',
      'execution.updatedById',
      'execution.applicationVersion.createdById',
      'execution.applicationVersion.createdDate',
      ...['createdById', 'updatedById', 'createdDate', 'updatedDate'].map(
        (k) => `execution.applicationVersion.application.${k}`,
      ),
      ...['createdBy', 'updatedBy', 'createdDate', 'updatedDate'].map(
        (k) => `execution.applicationVersion.application.project.${k}`,
      ),
    ]);

    it('starts an execution and answers the documented body, execution null', async () => {
      const build = (
        await s.api('POST', '/api/v1/app-builds?name=droid&version=3', { url: 'https://builds.example.com/droid.apk' })
      ).body;
      const r = await curl(CURL.testsigmaStart, {
        '<test_plan_id>': plans.checkout!.id,
        '<Device_ID>': envs.pixel!,
        '<UPLOAD_VERSION_ID>': build.id,
      });
      expect(r.status).toBe(200);
      expect(shapeDifferences(r.body, { ...TESTSIGMA_STATUS_EXAMPLE, execution: null }, nullable)).toEqual([]);
      expect(r.body).toMatchObject({
        execution: null,
        executionId: plans.checkout!.id,
        startTime: expect.any(Number),
        endTime: null,
        duration: null,
        result: 'QUEUED',
        status: 'STATUS_CREATED',
        message: 'Test Plan execution is initiated and waiting to be queued',
        executedBy: adminUser,
        buildNo: null,
        environmentId: null,
        totalCount: 0,
        failedCount: 0,
        passedCount: 0,
        abortedCount: 0,
        stoppedCount: 0,
        notExecutedCount: 0,
        preRequisiteFailedCount: 0,
        queuedCount: 0,
        isVisuallyPassed: null,
        environment: null,
        childResult: null,
        reRunParentId: null,
        reRunType: null,
        triggeredType: 'API',
        totalRunningCount: 0,
        totalQueuedCount: 0,
      });
      expect(r.body.executionDetails).toEqual(TESTSIGMA_STATUS_EXAMPLE.executionDetails);
      expect((await s.api('GET', `/api/v1/runs/${r.body.id}`)).body.trigger).toMatchObject({
        source: 'testsigma',
        app_builds: { pixel: build.id },
      });
      started = r.body;
    });

    it('takes buildNo and an environmentId', async () => {
      const r = await post('/api/v1/execution_results', {
        executionId: plans.checkout!.id,
        buildNo: '1.9.26_rc1',
        environmentId: envs.chrome,
      });
      expect(r.body).toMatchObject({ buildNo: '1.9.26_rc1', environmentId: envs.chrome });
      expect((await s.api('GET', `/api/v1/runs/${r.body.id}`)).body).toMatchObject({
        trigger: { build: '1.9.26_rc1', environments: ['chrome'] },
      });
    });

    it('answers the status of a run with the full documented body, and reruns with their parent', async () => {
      await drain();
      const r = await curl(CURL.testsigmaStatus, { '<run_id>': started.id });
      expect(r.status).toBe(200);
      expect(shapeDifferences(r.body, TESTSIGMA_STATUS_EXAMPLE, nullable)).toEqual([]);
      expect(r.body).toMatchObject({
        id: started.id,
        executionId: plans.checkout!.id,
        result: 'FAILURE',
        status: 'STATUS_COMPLETED',
        message: 'Test plan execution failed',
        totalCount: 6,
        failedCount: 3,
        passedCount: 3,
        queuedCount: 0,
        totalRunningCount: 0,
        reRunParentId: null,
        reRunType: null,
      });
      expect(r.body.endTime).toBeGreaterThanOrEqual(r.body.startTime);
      expect(r.body.execution).toMatchObject({
        id: plans.checkout!.id,
        name: 'checkout',
        description: 'Checkout flows',
        reRunType: 'NONE',
        lastRunId: expect.any(Number),
      });
      const rerun = (await s.api('POST', `/api/v1/runs/${started.id}/rerun`, { failed: true })).body;
      expect((await get(`/api/v1/execution_results/${rerun.id}`)).body).toMatchObject({
        reRunParentId: started.id,
        reRunType: 'ONLY_FAILED_TESTS',
        result: 'QUEUED',
      });
    });

    it("answers errors in its server's shape: timestamp, status, error, message, path", async () => {
      const shape = (status: number, error: string, path: string) => ({
        timestamp: expect.any(String),
        status,
        error,
        message: expect.any(String),
        path,
      });
      expect(await get('/api/v1/execution_results/987654')).toMatchObject({
        status: 404,
        body: shape(404, 'Not Found', '/api/v1/execution_results/987654'),
      });
      expect((await get(`/api/v1/execution_results/${started.id}`, null)).body).toEqual(
        shape(401, 'Unauthorized', `/api/v1/execution_results/${started.id}`),
      );
      expect((await get(`/api/v1/execution_results/${started.id}`, tokens.outsider)).body).toEqual(
        shape(404, 'Not Found', `/api/v1/execution_results/${started.id}`),
      );
      expect((await post('/api/v1/execution_results', { buildNo: 'x' })).body).toEqual(
        shape(400, 'Bad Request', '/api/v1/execution_results'),
      );
      expect(
        (await post('/api/v1/execution_results', { executionId: plans.checkout!.id }, tokens.reader)).body,
      ).toEqual(shape(403, 'Forbidden', '/api/v1/execution_results'));
      const badDevice = await post('/api/v1/execution_results', {
        executionId: plans.checkout!.id,
        uploadVersions: { '987654': 1 },
      });
      expect(badDevice.body.message).toContain('uploadVersions.987654');
      expect((await post('/api/v1/execution_results', { executionId: 987654 })).status).toBe(404);
    });
  });
});
