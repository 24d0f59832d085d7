import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, eventually, runEnded } from '../support/server.js';
import { startVendorFixture, type VendorFixture } from '../support/vendor-fixture.js';
import { TESTSIGMA_RERUN_EXAMPLE } from '../support/vendor-examples.js';

/**
 * Testsigma's remote-execution surface as its published clients use it: the CI shell script
 * (bare-number buildNo, runtimeData, `content-type:application/json`, awk on the answer), the
 * Jenkins plugin (`"executionId": "2090"`, `application/json; UTF-8`, polling on
 * STATUS_IN_PROGRESS), the JUnit report they download, reruns of test cases
 * (testsigma-more/rerun-test-cases-in-test-run.md), parallel runs, and the status of every state.
 */
describeEachDialect('Testsigma contracts', (dialect) => {
  let f: VendorFixture;
  beforeAll(async () => {
    f = await startVendorFixture(dialect);
  });
  afterAll(() => f?.close());

  const trigger = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    f.send('POST', '/api/v1/execution_results', {
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const status = async (id: number) =>
    (
      await f.send('GET', `/api/v1/execution_results/${id}`, {
        headers: { 'content-type': 'application/json; UTF-8', accept: 'application/json; UTF-8' },
      })
    ).body;
  /** What the CI script's awk one-liner reads for a key: every value after a field holding `"key"`. */
  const awk = (json: string, key: string) =>
    json
      .split(/[,:}]/)
      .flatMap((field, i, all) => (field.includes(`"${key}"`) ? [all[i + 1]!.replaceAll('"', '')] : []));

  describe('what the clients send and read', () => {
    it("takes the CI shell script's trigger: a bare-number buildNo and runtimeData as parameters", async () => {
      const body = `{"executionId":${f.plans.checkout!.id},"runtimeData":{"url":"https://the-internet.example.com/login","test":"1221"},"buildNo":202612040053}`;
      const res = await fetch(`${f.s.url}/api/v1/execution_results`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${ADMIN_TOKEN}`,
          Accept: 'application/json',
          'content-type': 'application/json',
        },
        body,
      });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      // Compact JSON with one "id" outside `execution` (null here): the script's RUN_ID.
      expect(text).not.toMatch(/\n|": /);
      expect(awk(text, 'id')).toEqual([String(JSON.parse(text).id)]);
      expect(awk(text, 'status')).toEqual(['STATUS_CREATED']);
      const run = (await f.s.api('GET', `/api/v1/runs/${JSON.parse(text).id}`)).body;
      expect(run.trigger).toMatchObject({
        source: 'testsigma',
        build: '202612040053',
        parameters: { url: 'https://the-internet.example.com/login', test: '1221' },
      });
    });

    it("takes the Jenkins plugin's quoted id and `application/json; UTF-8`, and answers STATUS_IN_PROGRESS at once so it polls on", async () => {
      const r = await trigger(
        { executionId: String(f.plans.green!.id) },
        { 'content-type': 'application/json; UTF-8', accept: 'application/json; UTF-8' },
      );
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        id: expect.any(Number),
        executionId: f.plans.green!.id,
        status: 'STATUS_CREATED',
        result: 'QUEUED',
      });
      expect(await status(r.body.id)).toMatchObject({
        status: 'STATUS_IN_PROGRESS',
        result: 'QUEUED',
        message: 'Test plan execution is queued',
      });
      await f.drain(['green']);
      expect(await status(r.body.id)).toMatchObject({
        status: 'STATUS_COMPLETED',
        result: 'SUCCESS',
        message: 'Test plan execution completed successfully',
        passedCount: 3,
      });
      const junit = await fetch(`${f.s.url}/api/v1/reports/junit/${r.body.id}`, {
        headers: {
          Authorization: `Bearer ${ADMIN_TOKEN}`,
          'Content-Type': 'application/json; UTF-8',
          Accept: 'application/xml; UTF-8',
        },
      });
      expect(junit.status).toBe(200);
      expect(junit.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(await junit.text()).toMatch(
        /^<\?xml[\s\S]*<testsuites[\s\S]*<testsuite name="chrome"[\s\S]*<testcase [\s\S]*<\/testsuites>/,
      );
    });

    it('serves its Jenkins plugin 1.8.1 as it calls: /test_plan_results with {"testPlanId": "<id>"}, polled until not STATUS_IN_PROGRESS, then the JUnit report', async () => {
      // valventech/testsigma-plugin RestAPIUtil: Gson's addProperty quotes the id; `id` is read with toString(), so it must be a number.
      const headers = {
        Authorization: `Bearer ${ADMIN_TOKEN}`,
        'Content-Type': 'application/json; UTF-8',
        Accept: 'application/json; UTF-8',
      };
      const started = await fetch(`${f.s.url}/api/v1/test_plan_results`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ testPlanId: String(f.plans.green!.id) }),
      });
      expect(started.status).toBe(200);
      const text = await started.text();
      const id = JSON.parse(text).id;
      expect(text).toMatch(new RegExp(`"id":${id}[,}]`));
      expect((await f.s.api('GET', `/api/v1/runs/${id}`)).body).toMatchObject({
        plan: { name: 'green' },
        trigger: { source: 'testsigma' },
      });
      const poll = async () =>
        (await (await fetch(`${f.s.url}/api/v1/test_plan_results/${id}`, { headers })).json()) as {
          status: string;
          result: string;
        };
      expect((await poll()).status).toBe('STATUS_IN_PROGRESS');
      await f.drain(['green']);
      expect(await poll()).toMatchObject({ status: 'STATUS_COMPLETED', result: 'SUCCESS' });
      const junit = await fetch(`${f.s.url}/api/v1/reports/junit/${id}`, {
        headers: { ...headers, Accept: 'application/xml; UTF-8' },
      });
      expect(junit.status).toBe(200);
      expect(await junit.text()).toContain('<testsuites');
      const none = await fetch(`${f.s.url}/api/v1/test_plan_results`, { method: 'POST', headers, body: '{}' });
      expect(await none.json()).toMatchObject({
        status: 400,
        message: expect.stringContaining('testPlanId'),
        path: '/api/v1/test_plan_results',
      });
    });

    it('reads JSON sent as a form (curl -d without a type), ignores unknown fields, and refuses what cannot be read with a sentence', async () => {
      const asForm = await trigger(
        `{"executionId": ${f.plans.green!.id}, "colour": "red", "environmentId": null, "buildNo": null}`,
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
      expect(asForm.status).toBe(200);
      const cases: [unknown, string][] = [
        [{ executionId: 'abc' }, 'executionId must be a whole number'],
        [{ buildNo: '1' }, 'executionId is required'],
        ['', 'executionId is required'],
        [{ executionId: f.plans.green!.id, runtimeData: { url: { nested: 1 } } }, 'runtimeData.url must be text'],
        [
          { executionId: f.plans.green!.id, runtimeData: { 'build-url': 'x' } },
          'runtimeData.build-url is not a name the tests can read',
        ],
        [
          { executionId: f.plans.green!.id, reRunType: 'SOME' },
          'reRunType must be one of ALL_TESTS, ONLY_FAILED_TESTS, USER_PICKED, ALL_ITERATIONS, ONLY_FAILED_ITERATIONS',
        ],
      ];
      for (const [body, message] of cases) {
        const r = await trigger(body);
        expect(r.status, message).toBe(400);
        expect(r.body, message).toEqual({
          timestamp: expect.any(String),
          status: 400,
          error: 'Bad Request',
          message: expect.stringContaining(message),
          path: '/api/v1/execution_results',
        });
      }
    });

    it('runs one plan several times in parallel (run-the-same-test-plan-multiple-times-in-parallel.md)', async () => {
      const a = (await trigger({ executionId: f.plans.checkout!.id, environmentId: f.envs.chrome })).body;
      const b = (await trigger({ executionId: f.plans.checkout!.id, environmentId: f.envs.pixel })).body;
      expect(a.id).not.toBe(b.id);
      expect([a.environmentId, b.environmentId]).toEqual([f.envs.chrome, f.envs.pixel]);
      const runs = await Promise.all(
        [a.id, b.id].map(async (id) => (await f.s.api('GET', `/api/v1/runs/${id}`)).body.status),
      );
      expect(runs).toEqual(['queued', 'queued']);
      await f.drain();
    });
  });

  describe('the status of every state', () => {
    it('waiting for an agent, queued behind a run of the plan, queued, running: STATUS_IN_PROGRESS with what it waits for', async () => {
      const noAgent = (await trigger({ executionId: f.plans['mac-only']!.id })).body.id;
      await f.drain();
      expect(await status(noAgent)).toMatchObject({
        status: 'STATUS_IN_PROGRESS',
        result: 'QUEUED',
        message: 'Test plan execution is waiting for an agent for: safari',
      });
      const first = (await trigger({ executionId: f.plans.serial!.id })).body.id;
      const second = (await trigger({ executionId: f.plans.serial!.id })).body.id;
      expect(await status(second)).toMatchObject({
        status: 'STATUS_IN_PROGRESS',
        message: 'Test plan execution is queued behind an execution of this test plan that is still running',
      });
      expect(await status(first)).toMatchObject({
        status: 'STATUS_IN_PROGRESS',
        message: 'Test plan execution is queued',
      });
      const [discovery] = await f.agent.claim(1);
      expect(discovery!.run_id).toBe(first);
      await f.agent.discover(discovery!, ['a/one.test > works']);
      const [job] = await f.agent.claim(1);
      expect(await status(first)).toMatchObject({
        status: 'STATUS_IN_PROGRESS',
        message: 'Test plan execution is in progress',
        totalRunningCount: 1,
      });
      await f.agent.execute(job!, () => 'passed');
      await f.drain();
      await f.s.api('POST', `/api/v1/runs/${noAgent}/cancel`);
    });

    it('each ending: SUCCESS, FAILURE, ABORTED, STOPPED, all STATUS_COMPLETED', async () => {
      const green = (await trigger({ executionId: f.plans.green!.id })).body.id;
      const red = (await trigger({ executionId: f.plans.checkout!.id })).body.id;
      await f.drain(['green']);
      expect(await status(green)).toMatchObject({
        status: 'STATUS_COMPLETED',
        result: 'SUCCESS',
        endTime: expect.any(Number),
      });
      expect(await status(red)).toMatchObject({
        status: 'STATUS_COMPLETED',
        result: 'FAILURE',
        message: 'Test plan execution failed',
        failedCount: 3,
      });
      const timedOut = (await trigger({ executionId: f.plans.limited!.id })).body.id;
      await runEnded(f.s, timedOut);
      expect(await status(timedOut)).toMatchObject({
        status: 'STATUS_COMPLETED',
        result: 'ABORTED',
        message: 'Test plan execution aborted',
      });
      const cancelled = (await trigger({ executionId: f.plans['mac-only']!.id })).body.id;
      await f.s.api('POST', `/api/v1/runs/${cancelled}/cancel`);
      expect(await status(cancelled)).toMatchObject({
        status: 'STATUS_COMPLETED',
        result: 'STOPPED',
        message: 'User stopped the Test Plan',
      });
    });
  });

  describe("reruns of a run's test cases (rerun-test-cases-in-test-run.md)", () => {
    let parent: number;
    let cases: {
      testCaseId: number;
      testCaseResultId: number;
      result: string;
      machineId: number;
      machineTitle: string;
    }[];
    beforeAll(async () => {
      parent = (await trigger({ executionId: f.plans.rerunnable!.id, buildNo: 'b7', runtimeData: { LANG: 'en' } })).body
        .id;
      await f.drain();
      await runEnded(f.s, parent);
    });

    it("lists the run's test case results with their ids", async () => {
      const r = (await f.send('GET', `/api/v1/execution_results/${parent}/test_case_results`)).body;
      expect(r).toMatchObject({
        executionId: f.plans.rerunnable!.id,
        executionResultId: parent,
        result: 'FAILURE',
        status: 'STATUS_COMPLETED',
      });
      cases = r.testCases;
      expect(cases).toHaveLength(6);
      expect(cases[0]).toEqual({
        testCaseId: expect.any(Number),
        testCaseName: expect.any(String),
        testCaseResultId: expect.any(Number),
        result: expect.stringMatching(/^(SUCCESS|FAILURE)$/),
        isDataDrivenCase: false,
        iterationResults: [],
        testSuiteId: null,
        testSuiteName: expect.any(String),
        testSuiteResultId: null,
        machineId: expect.any(Number),
        machineTitle: expect.any(String),
        machineResultId: expect.any(Number),
      });
    });

    it("reruns the picked ones as USER_PICKED, with the parent's build and runtime data", async () => {
      const picked = cases.filter((c) => c.machineTitle === 'pixel').slice(0, 2);
      const body = {
        ...TESTSIGMA_RERUN_EXAMPLE,
        executionId: f.plans.rerunnable!.id,
        executionResultId: parent,
        testCaseResultRequests: picked.map((c) => ({ id: c.testCaseResultId })),
      };
      const r = await trigger(body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({
        reRunParentId: parent,
        status: 'STATUS_CREATED',
        result: 'QUEUED',
        buildNo: 'b7',
      });
      expect(await status(r.body.id)).toMatchObject({ reRunParentId: parent, reRunType: 'USER_PICKED' });
      expect((await f.s.api('GET', `/api/v1/runs/${r.body.id}`)).body.trigger).toMatchObject({
        environments: ['pixel'],
        parameters: { LANG: 'en' },
      });
      await f.drain();
      const rows = (await f.s.api('GET', `/api/v1/runs/${r.body.id}/results`)).body.items as {
        scenario: { id: number };
        environment: string;
      }[];
      expect(rows.map((x) => `${x.environment}:${x.scenario.id}`).sort()).toEqual(
        picked.map((c) => `pixel:${c.testCaseId}`).sort(),
      );
    });

    it('reruns the failed ones (ONLY_FAILED_TESTS) and all of them (ALL_TESTS)', async () => {
      const failed = (
        await trigger({
          executionId: f.plans.rerunnable!.id,
          executionResultId: parent,
          isReRun: true,
          reRunType: 'ONLY_FAILED_TESTS',
        })
      ).body;
      expect(await status(failed.id)).toMatchObject({ reRunParentId: parent, reRunType: 'ONLY_FAILED_TESTS' });
      const all = (
        await trigger({
          executionId: String(f.plans.rerunnable!.id),
          executionResultId: String(parent),
          isReRun: 'true',
          reRunType: 'ALL_TESTS',
        })
      ).body;
      expect(await status(all.id)).toMatchObject({ reRunParentId: parent, reRunType: 'ALL_TESTS' });
      expect((await f.s.api('GET', `/api/v1/runs/${all.id}`)).body.rerun_type).toBe('all');
      await f.drain();
      expect((await runEnded(f.s, all.id)).counts.total).toBe(6);
    });

    it('says the reRunType it was asked with: USER_PICKED for a pick of every test case, before and after it runs', async () => {
      const body = {
        ...TESTSIGMA_RERUN_EXAMPLE,
        executionId: f.plans.rerunnable!.id,
        executionResultId: parent,
        testCaseResultRequests: cases.map((c) => ({ id: c.testCaseResultId })),
      };
      const r = await trigger(body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.reRunType).toBe('USER_PICKED');
      expect((await f.s.api('GET', `/api/v1/runs/${r.body.id}`)).body.rerun_type).toBe('pairs');
      await f.drain();
      expect((await runEnded(f.s, r.body.id)).counts.total).toBe(6);
      expect(await status(r.body.id)).toMatchObject({ reRunParentId: parent, reRunType: 'USER_PICKED', totalCount: 6 });
    });

    it("takes the run's UUID as executionResultId, as every route that names a run does", async () => {
      const uuid = (await f.s.api('GET', `/api/v1/runs/${parent}`)).body.uuid as string;
      const r = await trigger({
        executionId: f.plans.rerunnable!.id,
        executionResultId: uuid.toUpperCase(),
        isReRun: true,
        reRunType: 'ONLY_FAILED_TESTS',
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(await status(r.body.id)).toMatchObject({ reRunParentId: parent, reRunType: 'ONLY_FAILED_TESTS' });
      const bad = await trigger({ executionId: f.plans.rerunnable!.id, executionResultId: 'run-7', isReRun: true });
      expect(bad.body).toMatchObject({
        status: 400,
        message: `executionResultId must be a run's id or UUID (as POST /api/v1/execution_results answered), got "run-7"`,
      });
      // Proctor's own rerun names the run by its UUID as well.
      const native = await f.s.api('POST', `/api/v1/runs/${uuid}/rerun`, { failed: true });
      expect(native.status, JSON.stringify(native.body)).toBe(202);
      expect(native.body.rerun_parent_id).toBe(parent);
    });

    it('refuses picks that are not results of the run, and a run of another plan', async () => {
      const bad = await trigger({
        executionId: f.plans.rerunnable!.id,
        executionResultId: parent,
        isReRun: true,
        reRunType: 'USER_PICKED',
        testCaseResultRequests: [{ id: 987654 }],
      });
      expect(bad.body).toMatchObject({
        status: 400,
        message: `testCaseResultRequests[0].id: 987654 is not a test case result of run ${parent}`,
      });
      const other = await trigger({ executionId: f.plans.green!.id, executionResultId: parent, isReRun: true });
      expect(other.body.message).toContain(
        `executionResultId: run ${parent} is a run of test plan ${f.plans.rerunnable!.id}`,
      );
      const hidden = await f.send('POST', '/api/v1/execution_results', {
        token: f.tokens.outsider,
        type: 'application/json',
        body: JSON.stringify({ executionId: f.plans.rerunnable!.id, executionResultId: parent, isReRun: true }),
      });
      expect(hidden.status).toBe(404);
    });
  });

  it('answers the JUnit report of a run with a failure per failed test, and 404 in its shape for another project', async () => {
    const id = (await trigger({ executionId: f.plans.checkout!.id })).body.id;
    await f.drain();
    const xml = await eventually(async () => {
      const r = await fetch(`${f.s.url}/api/v1/reports/junit/${id}`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: 'application/xml' },
      });
      const text = await r.text();
      return text.includes('<failure') ? text : undefined;
    });
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml.match(/<testcase /g)).toHaveLength(9);
    expect(xml.match(/<failure /g)).toHaveLength(3);
    const hidden = await f.send('GET', `/api/v1/reports/junit/${id}`, { token: f.tokens.outsider });
    expect(hidden.body).toEqual({
      timestamp: expect.any(String),
      status: 404,
      error: 'Not Found',
      message: `run ${id} does not exist`,
      path: `/api/v1/reports/junit/${id}`,
    });
  });
});
