import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { startVendorFixture, type VendorFixture } from '../support/vendor-fixture.js';
import { TESTINIUM_ENTERPRISE as T } from '../support/vendor-examples.js';

/**
 * Testinium's enterprise REST API (testinium-enterprise-1.16.7/) as a contract: each document's
 * example request sent as printed, the documented fields of its answer, and what Testinium's
 * Jenkins plugin (jenkinsci/testinium-plugin) calls around a run.
 */
describeEachDialect('Testinium REST API contracts', (dialect) => {
  let f: VendorFixture;
  beforeAll(async () => {
    f = await startVendorFixture(dialect);
  });
  afterAll(() => f?.close());

  const runs = async (plan: string) =>
    (await f.s.api('GET', `/api/v1/runs?plan=${plan}&limit=500`)).body.items as {
      id: number;
      status: string;
      trigger: any;
      rerun_parent_id: number | null;
    }[];
  const error = (message: string) => ({ message, detail: expect.any(String) });

  describe('POST /Testinium.RestApi/oauth/token (auth/login.md)', () => {
    it('answers an access token for an API key given as the password, usable as a Bearer', async () => {
      // The example sends `password= customer-password`: the space before the key is not part of it.
      const r = await f.curl(T.login, {
        'customer-password': ADMIN_TOKEN,
        '<Base64(client_id:client_secret)>': Buffer.from('proctor:any').toString('base64'),
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        access_token: ADMIN_TOKEN,
        token_type: 'bearer',
        refresh_token: ADMIN_TOKEN,
        expires_in: expect.any(Number),
        scope: 'api',
        jti: expect.stringMatching(/^pk_/),
      });
      expect((await f.curl(T.getAllPlans, {}, r.body.access_token)).status).toBe(200);
      const json = await f.send('POST', '/Testinium.RestApi/oauth/token', {
        token: null,
        type: 'application/json',
        body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token }),
      });
      expect(json.body.access_token).toBe(ADMIN_TOKEN);
    });

    it('grants no more than the key, and stops with the key', async () => {
      const reader = (
        await f.send('POST', '/Testinium.RestApi/oauth/token', {
          token: null,
          type: 'application/x-www-form-urlencoded',
          body: `grant_type=password&username=u&password=${f.tokens.reader}`,
        })
      ).body.access_token;
      expect(
        (await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans.checkout!.id}/run`, { token: reader })).status,
      ).toBe(403);
      const k = (await f.s.api('POST', '/api/v1/keys', { name: 'short-lived', authorities: ['PLAN_READ'] })).body;
      const token = (
        await f.send('POST', '/Testinium.RestApi/oauth/token', {
          token: null,
          type: 'application/x-www-form-urlencoded',
          body: `grant_type=password&password=${k.token}`,
        })
      ).body.access_token;
      expect((await f.send('GET', '/Testinium.RestApi/api/plans', { token })).status).toBe(200);
      await f.s.api('DELETE', `/api/v1/keys/${k.key.id}`);
      expect((await f.send('GET', '/Testinium.RestApi/api/plans', { token })).status).toBe(401);
      const again = await f.send('POST', '/Testinium.RestApi/oauth/token', {
        token: null,
        type: 'application/x-www-form-urlencoded',
        body: `grant_type=password&password=${k.token}`,
      });
      expect(again.status).toBe(401);
    });

    it('answers the documented errors: 400 INVALID_REQUEST, 401 INVALID_CLIENT', async () => {
      const form = (body: string) =>
        f.send('POST', '/Testinium.RestApi/oauth/token', {
          token: null,
          type: 'application/x-www-form-urlencoded',
          body,
        });
      expect(await form('grant_type=password&username=u&password=pk_nope_nope')).toMatchObject({
        status: 401,
        body: { error: 'invalid_client', message: 'INVALID_CLIENT', error_description: expect.any(String) },
      });
      expect(await form('username=u&password=x')).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', message: 'INVALID_REQUEST', error_description: 'grant_type is required' },
      });
      expect((await form('grant_type=client_credentials')).body.error_description).toContain(
        'grant_type must be one of password, refresh_token',
      );
      expect((await form('grant_type=password')).body.error_description).toContain('password is required');
      expect((await form('')).status).toBe(400);
    });
  });

  describe('plans: check, run, force-run, run for a company, stop, rerun', () => {
    it('checks whether a plan is running (check-if-test-plan-is-running.md)', async () => {
      expect((await f.curl(T.checkIsRunning, { '{id}': f.plans['mac-only']!.id })).body).toEqual({
        status: 'SUCCESS',
        running: false,
      });
      await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans['mac-only']!.id}/run`);
      expect((await f.curl(T.checkIsRunning, { '{id}': f.plans['mac-only']!.id })).body).toEqual({
        status: 'SUCCESS',
        running: true,
      });
      expect(await f.curl(T.checkIsRunning, { '{id}': 987654 })).toMatchObject({
        status: 404,
        body: error('Plan not found'),
      });
    });

    it('force-runs past the concurrency policy, and without force starts nothing while one runs or an agent is missing (force-run-test-plan.md)', async () => {
      const id = f.plans.exclusive!.id;
      const first = (await f.curl(T.forceRun, { '{id}': id, '{forceRun}': 'true' })).body;
      expect(first).toEqual({
        execution_id: expect.any(Number),
        unavailable_env_list: [],
        successful: true,
        succesful: true,
        already_running: false,
      });
      const forced = (await f.curl(T.forceRun, { '{id}': id, '{forceRun}': 'true' })).body;
      expect(forced).toMatchObject({ successful: true });
      expect(forced.execution_id).not.toBe(first.execution_id);
      const before = (await runs('exclusive')).length;
      expect((await f.curl(T.forceRun, { '{id}': id, '{forceRun}': 'false' })).body).toEqual({
        execution_id: forced.execution_id,
        unavailable_env_list: [],
        successful: false,
        succesful: false,
        already_running: true,
      });
      expect((await runs('exclusive')).length).toBe(before);
      await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans['mac-only']!.id}/stop`);
      const blocked = (await f.curl(T.forceRun, { '{id}': f.plans['mac-only']!.id, '{forceRun}': 'false' })).body;
      expect(blocked).toEqual({
        execution_id: null,
        unavailable_env_list: [{ id: f.envs.safari, name: 'safari' }],
        successful: false,
        succesful: false,
        already_running: false,
      });
      expect((await runs('mac-only')).filter((r) => r.status === 'queued' || r.status === 'running')).toEqual([]);
      expect((await f.send('GET', `/Testinium.RestApi/api/plans/${id}/run/maybe`)).body).toEqual(error('Bad Request'));
    });

    it('runs for the company, which Proctor has one of (run-test-plan-with-company-id.md)', async () => {
      const r = await f.curl(T.runWithCompany, { '{id}': f.plans.checkout!.id, '{companyId}': 1 });
      expect(r.body).toMatchObject({
        execution_id: expect.any(Number),
        successful: true,
        succesful: true,
        already_running: false,
      });
      expect(await f.curl(T.runWithCompany, { '{id}': f.plans.checkout!.id, '{companyId}': 7 })).toMatchObject({
        status: 404,
        body: error('Company not found'),
      });
      // The header some clients send with every call is accepted.
      const withHeader = await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans.checkout!.id}/run`, {
        headers: { 'current-company-id': '7' },
      });
      expect(withHeader.body.successful).toBe(true);
    });

    it('stops a running plan, and says when it is not running (stop-test-plan.md)', async () => {
      const id = f.plans.rerunnable!.id;
      const started = (await f.send('GET', `/Testinium.RestApi/api/plans/${id}/run`)).body;
      expect((await f.curl(T.stop, { '{id}': id })).body).toEqual({
        status: 'SUCCESS',
        message: `Plan Id ${id} has been stopped`,
      });
      expect((await f.s.api('GET', `/api/v1/runs/${started.execution_id}`)).body).toMatchObject({
        status: 'cancelled',
        ended_by: 'user',
      });
      expect((await f.curl(T.stop, { '{id}': id })).body).toEqual({
        status: 'NOT_AVAILABLE',
        message: `Plan Id ${id} is not running`,
      });
      expect(await f.curl(T.stop, { '{id}': id }, f.tokens.reader)).toMatchObject({
        status: 403,
        body: error('Forbidden'),
      });
    });

    it('reruns scenarios by id in the environments of the last execution that ran them (rerun-test-plan.md)', async () => {
      const id = f.plans.rerunnable!.id;
      const parent = (await f.send('GET', `/Testinium.RestApi/api/plans/${id}/run`)).body.execution_id;
      await f.drain();
      const rows = (await f.s.api('GET', `/api/v1/runs/${parent}/results`)).body.items as {
        scenario: { id: number; key: string };
      }[];
      const works = rows.find((r) => r.scenario.key === 'a/one.test > works')!.scenario.id;
      const r = await f.curl(T.rerun, { '{planId}': id, '[16]': `[${works}]` });
      expect(r.body).toEqual({ successful: true, succesful: true, message: 'Scenarios rerun successfully.' });
      const rerun = (await runs('rerunnable'))[0]!;
      expect(rerun).toMatchObject({
        rerun_parent_id: parent,
        trigger: { source: 'testinium', environments: ['chrome', 'pixel'] },
      });
      // The plan's newest run is that rerun; a scenario it did not run comes from the run before.
      const fails = rows.find((x) => x.scenario.key === 'a/one.test > fails')!.scenario.id;
      await f.curl(T.rerun, { '{planId}': id, '[16]': `["${fails}"]` });
      expect((await runs('rerunnable'))[0]).toMatchObject({ rerun_parent_id: parent });
      // A scenario the plan does not have, unknown or another plan's, is rerun-test-plan.md's "Scenario not found".
      expect(await f.curl(T.rerun, { '{planId}': id, '[16]': '[987654]' })).toMatchObject({
        status: 404,
        body: error('Scenario not found'),
      });
      expect(await f.curl(T.rerun, { '{planId}': id, '[16]': `[${works}, 987654]` })).toMatchObject({
        status: 404,
        body: error('Scenario not found'),
      });
      const green = (await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans.green!.id}/run`)).body.execution_id;
      await f.drain();
      const greenScenario = (
        (await f.s.api('GET', `/api/v1/runs/${green}/results`)).body.items as { scenario: { id: number } }[]
      )[0]!.scenario.id;
      const foreign = await f.curl(T.rerun, { '{planId}': id, '[16]': `[${greenScenario}]` });
      expect(foreign).toMatchObject({ status: 404, body: error('Scenario not found') });
      expect(foreign.body.detail).toContain(`scenario ${greenScenario} is not a scenario of plan ${id}`);
      expect(await f.curl(T.rerun, { '{planId}': id, '[16]': '[]' })).toMatchObject({
        status: 404,
        body: error('Scenario list not found'),
      });
      expect((await f.curl(T.rerun, { '{planId}': id, '[16]': '["x"]' })).body).toEqual({
        message: 'Bad Request',
        detail: '[0] must be a whole number',
      });
    });

    it('reads a form-encoded POST like the query string, and ignores a body on GET', async () => {
      const url = 'https://ci.example.com/hooks/form';
      const posted = await f.send('POST', `/Testinium.RestApi/api/plans/${f.plans.checkout!.id}/run`, {
        type: 'application/x-www-form-urlencoded',
        body: `callbackUrl=${encodeURIComponent(url)}`,
      });
      expect((await f.s.api('GET', `/api/v1/runs/${posted.body.execution_id}`)).body.trigger.callback_url).toBe(url);
      const got = await f.raw(
        'GET',
        `/Testinium.RestApi/api/plans/${f.plans.checkout!.id}/run`,
        { 'content-type': 'application/json; UTF-8' },
        '{"anything": 1}',
      );
      expect(got.body.successful).toBe(true);
    });
  });

  describe('plans and apps: get, list, set the Android or iOS app', () => {
    it('lists plans and gets one by id or name as PlanDTOs (get-all-plans.md, get-plan-by-id.md)', async () => {
      const all = (await f.curl(T.getAllPlans)).body as any[];
      const checkout = all.find((p) => p.plan_name === 'checkout');
      expect(checkout).toMatchObject({
        id: f.plans.checkout!.id,
        project_id: f.plans.checkout!.projectId,
        company_id: 1,
        group_plan: false,
        description: 'Checkout flows',
        enabled: true,
        plan_parallel_test_limit: expect.any(Number),
        scenarios: expect.any(Array),
        period: { period_type: 'MANUAL' },
        alerts: [],
        alerts_enabled: false,
        failed_test_retry_count: expect.any(Number),
        environments: [{ id: f.envs.chrome }, { id: f.envs.pixel }, { id: f.envs.iphone }],
        selected_android_mobile_app: null,
        selected_ios_mobile_app: null,
      });
      expect((await f.curl(T.getAllPlans, {}, f.tokens.outsider)).body.map((p: any) => p.plan_name)).toEqual(['far']);
      expect((await f.curl(T.getPlan, { '{planNameOrId}': f.plans.checkout!.id })).body).toEqual([checkout]);
      expect((await f.curl(T.getPlan, { '{planNameOrId}': 'checkout' })).body).toEqual([checkout]);
      expect(await f.curl(T.getPlan, { '{planNameOrId}': 'checkout' }, f.tokens.outsider)).toMatchObject({
        status: 404,
        body: error('Plan not found'),
      });
      expect((await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans.checkout!.id}/active`)).body).toEqual(
        checkout,
      );
    });

    it('sets the Android and the iOS app, which Testinium triggers then hand to those environments (update-selected-*-mobile-app-for-test-plan.md)', async () => {
      const upload = async (file: string, project = 'default') =>
        (
          await f.s.api('POST', `/api/v1/app-builds?project=${project}&name=shop&version=${file}&file_name=${file}`, {
            url: `https://builds.example.com/${file}`,
          })
        ).body;
      const apk = await upload('shop.apk');
      const ipa = await upload('shop.ipa');
      const far = await upload('far.apk', 'elsewhere');
      const id = f.plans.mobile!.id;
      const android = await f.curl(T.setAndroidApp, { '{id}': id, '{mobileAppId}': apk.id });
      expect(android.status).toBe(200);
      expect(android.body.selected_android_mobile_app).toEqual({
        id: apk.id,
        mobile_app_name: 'shop.apk',
        mobile_app_hash: expect.any(String),
        operating_system: 'ANDROID',
        mobile_app_metadata: expect.any(String),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      });
      const ios = await f.curl(T.setIosApp, { '{id}': id, '{mobileAppId}': ipa.id });
      expect(ios.body).toMatchObject({
        selected_android_mobile_app: { id: apk.id },
        selected_ios_mobile_app: { id: ipa.id, operating_system: 'IOS' },
      });
      expect(await f.curl(T.setIosApp, { '{id}': id, '{mobileAppId}': apk.id })).toMatchObject({
        status: 400,
        body: error('Mobile app not iOS'),
      });
      expect(await f.curl(T.setAndroidApp, { '{id}': id, '{mobileAppId}': ipa.id })).toMatchObject({
        status: 400,
        body: error('Mobile app not Android'),
      });
      expect(await f.curl(T.setAndroidApp, { '{id}': id, '{mobileAppId}': far.id })).toMatchObject({
        status: 400,
        body: error('Mobile app does not belong to project'),
      });
      expect(await f.curl(T.setAndroidApp, { '{id}': id, '{mobileAppId}': 987654 })).toMatchObject({
        status: 404,
        body: error('Mobile app not found'),
      });
      expect(await f.curl(T.setAndroidApp, { '{id}': id, '{mobileAppId}': apk.id }, f.tokens.outsider)).toMatchObject({
        status: 404,
        body: error('Plan not found'),
      });
      expect((await f.curl(T.setAndroidApp, { '{id}': id, '{mobileAppId}': apk.id }, f.tokens.runner)).status).toBe(
        403,
      );
      const run = (await f.send('GET', `/Testinium.RestApi/api/plans/${id}/run`)).body;
      expect((await f.s.api('GET', `/api/v1/runs/${run.execution_id}`)).body.trigger.app_builds).toEqual({
        pixel: apk.id,
        iphone: ipa.id,
      });
      const queued = await f.send('POST', '/queue', {
        type: 'application/json',
        body: JSON.stringify({ planId: id, userId: (await f.s.api('GET', '/api/v1/me')).body.user.id }),
      });
      expect((await f.s.api('GET', queued.headers.get('location')!)).body.trigger.app_builds).toEqual({
        pixel: apk.id,
        iphone: ipa.id,
      });
    });
  });

  describe('reports: executions and test results', () => {
    let exec: number;
    beforeAll(async () => {
      exec = (await f.send('GET', `/Testinium.RestApi/api/plans/${f.plans.checkout!.id}/run`)).body.execution_id;
    });

    it('answers an execution with end_date null until it ends, then its results and their summary (get-test-execution-by-id.md)', async () => {
      const waiting = (await f.curl(T.execution, { '{execId}': exec })).body;
      expect(waiting).toMatchObject({
        id: exec,
        plan: { id: f.plans.checkout!.id },
        start_date: expect.any(Number),
        end_date: null,
      });
      await f.drain();
      const ended = (await f.curl(T.execution, { '{execId}': exec })).body;
      expect(ended).toMatchObject({
        id: exec,
        end_date: expect.any(Number),
        result_summary: { SUCCESS: 6, FAILURE: 3 },
        test_result_status_counts: '[SUCCESS, 6, FAILURE, 3]',
      });
      expect(ended.test_results).toHaveLength(9);
      const failed = ended.test_results.find((t: any) => t.level === 'FAILURE');
      expect(failed).toMatchObject({
        id: expect.any(Number),
        start_date: expect.any(Number),
        end_date: expect.any(Number),
        runtime: expect.any(Number),
        session_id: expect.any(String),
        message: expect.stringContaining('boom'),
        video_enabled: false,
        performance_data_enabled: false,
        test_key: expect.stringContaining(`-E${exec}-`),
        test_scenario: { id: expect.any(Number) },
        test_plan: { id: f.plans.checkout!.id },
        project: { id: f.plans.checkout!.projectId },
        environment: { id: expect.any(Number), name: expect.any(String) },
        test_execution: { id: exec },
      });
      expect((await f.send('GET', `/Testinium.RestApi/api/testExecutions/${exec}/company/1`)).body).toEqual(ended);
      expect(await f.curl(T.execution, { '{execId}': 987654 })).toMatchObject({
        status: 404,
        body: error('Test Execution not found'),
      });
      expect(await f.curl(T.execution, { '{execId}': exec }, f.tokens.outsider)).toMatchObject({
        status: 404,
        body: error('Test Execution not found'),
      });
    });

    it('lists the executions of a plan and the results of an execution by page, and a result by id', async () => {
      const list = (await f.curl(T.executionsOfPlan, { '{id}': f.plans.checkout!.id })).body;
      expect(list.pagination).toEqual({ current_page: 1, total_count: expect.any(Number), page_limit: 50 });
      expect(list.execution_list.find((e: any) => e.id === exec)).toMatchObject({
        plan: { id: f.plans.checkout!.id },
        test_results: [],
        result_summary: { SUCCESS: 6, FAILURE: 3 },
      });
      const page = (await f.curl(T.resultsOfExecution, { '{execId}': exec, '{page}': 1 })).body;
      expect(page.pagination).toEqual({ current_page: 1, total_count: 9, page_limit: 50 });
      expect(page.test_result_list).toHaveLength(9);
      const one = page.test_result_list[0];
      expect((await f.curl(T.result, { '{resultId}': one.id })).body).toEqual(one);
      const missing = await f.curl(T.result, { '{resultId}': 987654 });
      expect(missing).toMatchObject({ status: 404, body: error('Test Result Not Found') });
      const hidden = await f.curl(T.result, { '{resultId}': one.id }, f.tokens.outsider);
      expect(hidden.status).toBe(404);
      expect(hidden.body.detail.replace(String(one.id), '<id>')).toBe(missing.body.detail.replace('987654', '<id>'));
    });
  });

  it("serves a run as Testinium's Jenkins plugin drives it: token, company, project, plan, run, poll", async () => {
    const token = (
      await f.send('POST', '/Testinium.RestApi/oauth/token', {
        token: null,
        type: 'application/x-www-form-urlencoded',
        headers: {
          authorization: `Basic ${Buffer.from('client:secret').toString('base64')}`,
          accept: 'application/json',
        },
        body: `username=ci&password=${encodeURIComponent(f.tokens.runner)}&scope=api&grant_type=password`,
      })
    ).body.access_token;
    const get = async (path: string) =>
      (await f.send('GET', `/Testinium.RestApi/api${path}`, { token, headers: { accept: 'application/json' } })).body;
    const [company] = await get('/users/companies/');
    expect(await get(`/companies/${company.id}`)).toEqual({
      id: 1,
      company_name: expect.any(String),
      short_name: expect.any(String),
    });
    const projectId = f.plans.green!.projectId;
    expect(await get(`/projects/${projectId}/active`)).toMatchObject({
      id: projectId,
      project_name: 'default',
      enabled: true,
    });
    expect((await get(`/projects/company/${company.id}`)).map((p: any) => p.id)).toContain(projectId);
    expect((await get(`/projects/${projectId}/plans/active`)).map((p: any) => p.plan_name)).toContain('green');
    const plan = await get(`/plans/${f.plans.green!.id}/active`);
    expect(plan).toMatchObject({ project_id: projectId, enabled: true, plan_name: 'green' });
    const run = await get(`/plans/${plan.id}/run/company/${company.id}`);
    expect(run).toMatchObject({ succesful: true, execution_id: expect.any(Number), unavailable_env_list: [] });
    let execution = await get(`/testExecutions/${run.execution_id}/company/${company.id}`);
    for (let i = 0; execution.end_date === null && i < 50; i++) {
      expect(execution.start_date).toEqual(expect.any(Number));
      await f.drain(['green']);
      execution = await get(`/testExecutions/${run.execution_id}/company/${company.id}`);
    }
    expect(execution).toMatchObject({ end_date: expect.any(Number), result_summary: { SUCCESS: 3 } });
    expect(execution.test_results.map((t: any) => t.level)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });
});
