import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rubyMultipart, runTestPlanStep, uploadAppStep, type StepEnv } from '../support/appcircle-steps.js';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { KEYS, startVendorFixture, type VendorFixture } from '../support/vendor-fixture.js';

const LIMIT = 256 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Appcircle's Testinium workflow steps ("Testinium Upload App", then "Testinium Run Test Plan")
 * against Proctor in their enterprise mode, the base URL and the credentials changed and nothing
 * else: each makes its requests in its order, with its headers and body encodings, reads what it
 * reads and decides success as it does (test/support/appcircle-steps.ts, written from their
 * public sources). Appcircle's older "Testinium" step is not here: it has no base URL to change.
 */
describeEachDialect("Appcircle's Testinium steps", (dialect) => {
  let f: VendorFixture;
  let env: StepEnv;
  let projectId: number;
  beforeAll(async () => {
    f = await startVendorFixture(dialect, { env: { PROCTOR_APP_BUILD_LIMIT: String(LIMIT) } });
    projectId = f.plans.mobile!.projectId;
    // The key a pipeline would be given: it uploads and runs (PLAN_RUN), reads, and selects the app on the plan (PLAN_WRITE).
    const key = (
      await f.s.api('POST', '/api/v1/keys', {
        name: 'appcircle',
        user: 'appcircle',
        authorities: ['PLAN_READ', 'PLAN_RUN', 'PLAN_WRITE'],
      })
    ).body.token as string;
    env = { baseUrl: `${f.s.url}/`, username: 'appcircle', password: key, companyId: '1' };
  });
  afterAll(() => f?.close());

  const builds = async () =>
    (await f.s.api('GET', `/api/v1/app-builds?project=${projectId}&limit=500`)).body.items as {
      id: number;
      name: string;
      version: string;
      file_name: string;
      sha256: string;
      size: number;
    }[];

  /**
   * Answers every claimable job, each scenario with the outcome `outcome` gives its key; the jobs of
   * the environment `broken` error (the device is lost), so their tests are aborted.
   */
  async function drain(outcome: (key: string) => 'passed' | 'failed', broken?: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const jobs = await f.agent.claim(8);
      if (jobs.length === 0) return;
      for (const job of jobs) {
        if (job.kind === 'discover') await f.agent.discover(job, KEYS);
        else if (job.environment.name === broken)
          await f.agent.complete(job, { outcome: 'errored', error: 'device lost' });
        else await f.agent.execute(job, outcome);
      }
    }
  }

  describe('Testinium Upload App (appcircle-testinium-upload-app-component)', () => {
    it('uploads an APK to the project and outputs its id and OS from the project’s mobile_apps', async () => {
      const content = randomBytes(100_000);
      const r = await uploadAppStep({ ...env, baseUrl: f.s.url, projectId, fileName: 'app-release.apk', content });
      expect(r.code, r.log.join('\n')).toBe(0);
      expect(r.calls).toEqual([
        'POST /Testinium.RestApi/oauth/token',
        `GET /Testinium.RestApi/api/projects/${projectId}`,
        `POST /Testinium.RestApi/api/file/project/${projectId}`,
        `GET /Testinium.RestApi/api/projects/${projectId}`,
      ]);
      const build = (await builds()).find((b) => b.id === Number(r.outputs.AC_TESTINIUM_UPLOADED_APP_ID));
      expect(r.outputs.AC_TESTINIUM_APP_OS).toBe('Android');
      // Streamed whole into the blob store, checksummed as the native upload's.
      expect(build).toMatchObject({
        name: 'app-release',
        version: sha(content).slice(0, 12),
        file_name: 'app-release.apk',
        sha256: sha(content),
        size: content.length,
      });
      const project = (await f.send('GET', `/Testinium.RestApi/api/projects/${projectId}`, { token: env.password }))
        .body;
      expect(project).toMatchObject({ id: projectId, project_name: 'default', enabled: true });
      expect(project.mobile_apps[0]).toEqual({
        id: build!.id,
        mobile_app_name: 'app-release.apk',
        mobile_app_hash: sha(content),
        operating_system: 'ANDROID',
        mobile_app_metadata: expect.any(String),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      });
    });

    it('finds the app it just uploaded when another of the same OS was uploaded within the same second', async () => {
      // created_at has whole seconds: the step takes the first of equals, so the newest must come first.
      const first = await uploadAppStep({ ...env, projectId, fileName: 'shop.apk', content: randomBytes(2000) });
      const second = await uploadAppStep({ ...env, projectId, fileName: 'shop.apk', content: randomBytes(2000) });
      expect([first.code, second.code]).toEqual([0, 0]);
      expect(Number(second.outputs.AC_TESTINIUM_UPLOADED_APP_ID)).toBeGreaterThan(
        Number(first.outputs.AC_TESTINIUM_UPLOADED_APP_ID),
      );
      expect((await builds())[0]!.id).toBe(Number(second.outputs.AC_TESTINIUM_UPLOADED_APP_ID));
    });

    it('uploads an IPA as an iOS app, to the project named by id or by name', async () => {
      const r = await uploadAppStep({ ...env, projectId: 'default', fileName: 'Shop.ipa', content: randomBytes(5000) });
      expect(r.code, r.log.join('\n')).toBe(0);
      expect(r.outputs.AC_TESTINIUM_APP_OS).toBe('Ios');
      expect((await builds()).find((b) => b.id === Number(r.outputs.AC_TESTINIUM_UPLOADED_APP_ID))!.file_name).toBe(
        'Shop.ipa',
      );
    });

    it('fails as the step fails on a project the key cannot see, and with a password that is no key', async () => {
      const before = (await builds()).length;
      const outsider = { ...env, password: f.tokens.outsider };
      const hidden = await uploadAppStep({ ...outsider, projectId, fileName: 'a.apk', content: randomBytes(10) });
      expect(hidden.code).toBe(1);
      expect(hidden.log).toContain('Client error while searching the project: Project not found');
      expect(hidden.calls.filter((c) => c.startsWith('POST /Testinium.RestApi/api/file'))).toEqual([]);
      const wrong = await uploadAppStep({
        ...env,
        password: 'not-a-key',
        projectId,
        fileName: 'a.apk',
        content: randomBytes(10),
      });
      expect(wrong.code).toBe(1);
      expect(wrong.log[0]).toMatch(/^Authorization error while logging: the password is not a Proctor API key/);
      expect(wrong.calls).toHaveLength(4);
      expect((await builds()).length).toBe(before);
    });
  });

  describe('Testinium Run Test Plan (appcircle-testinium-run-test-plan-component)', () => {
    let apk: string;
    beforeAll(async () => {
      const up = await uploadAppStep({ ...env, projectId, fileName: 'checkout.apk', content: randomBytes(3000) });
      apk = up.outputs.AC_TESTINIUM_UPLOADED_APP_ID!;
    });
    const run = (
      outcome: (key: string) => 'passed' | 'failed',
      extra: { maxFailPercentage?: number; broken?: string } = {},
    ) =>
      runTestPlanStep({
        ...env,
        planId: f.plans.mobile!.id,
        appId: apk,
        appOs: 'Android',
        ...(extra.maxFailPercentage !== undefined ? { maxFailPercentage: extra.maxFailPercentage } : {}),
        // Where the step sleeps 30 s between polls, the agent does the work.
        pause: () => drain(outcome, extra.broken),
      });

    it('selects the uploaded app, runs the plan with it, waits and saves the report: exit 0 when the tests pass', async () => {
      const r = await run(() => 'passed');
      expect(r.code, r.log.join('\n')).toBe(0);
      const id = r.report.id;
      const plan = `/Testinium.RestApi/api/plans/${f.plans.mobile!.id}`;
      expect(r.calls).toEqual([
        'POST /Testinium.RestApi/oauth/token',
        `GET ${plan}/checkIsRunning`,
        `PUT ${plan}/setAndroidMobileApp/${apk}`,
        `GET ${plan}/run`,
        `GET ${plan}/checkIsRunning`,
        `GET ${plan}/checkIsRunning`,
        `GET /Testinium.RestApi/api/testExecutions/${id}`,
      ]);
      expect(r.log).toEqual(['Plan is still running...']);
      expect(r.outputs).toEqual({
        AC_TESTINIUM_TEST_REPORT: `test_report_${id}.json`,
        AC_TESTINIUM_RESULT_FAILURE_SUMMARY: '0',
        AC_TESTINIUM_RESULT_ERROR_SUMMARY: '0',
        AC_TESTINIUM_RESULT_SUCCESS_SUMMARY: '6',
      });
      expect(r.report).toMatchObject({ end_date: expect.any(Number), result_summary: { SUCCESS: 6 } });
      // The app went to the plan's android environment.
      const proctorRun = (await f.s.api('GET', `/api/v1/runs/${id}`)).body;
      expect(proctorRun.trigger.app_builds).toMatchObject({ pixel: Number(apk) });
      expect(proctorRun).toMatchObject({ status: 'completed', result: 'passed' });
    });

    it('passes with failed tests unless AC_TESTINIUM_MAX_FAIL_PERCENTAGE is reached, as the step decides', async () => {
      const fails = (k: string) => (k.includes('fails') ? 'failed' : 'passed');
      const lenient = await run(fails);
      expect(lenient.code, lenient.log.join('\n')).toBe(0);
      expect(lenient.outputs).toMatchObject({
        AC_TESTINIUM_RESULT_FAILURE_SUMMARY: '2',
        AC_TESTINIUM_RESULT_SUCCESS_SUMMARY: '4',
      });
      expect((await run(fails, { maxFailPercentage: 50 })).code).toBe(0);
      const strict = await run(fails, { maxFailPercentage: 30 });
      expect(strict.code).toBe(1);
      expect(strict.log.at(-1)).toBe('Failure rate exceeded! Stopping execution.');
    });

    it('fails when tests could not run (aborted: ERROR)', async () => {
      const r = await run(() => 'passed', { broken: 'pixel' });
      expect(r.code).toBe(1);
      expect(r.outputs).toMatchObject({
        AC_TESTINIUM_RESULT_ERROR_SUMMARY: '3',
        AC_TESTINIUM_RESULT_SUCCESS_SUMMARY: '3',
      });
      expect(r.log.at(-1)).toBe('❗ Test execution stopped due to errors!');
    });

    it('stops at the app selection for a key that may not change plans, and on a plan that does not exist', async () => {
      const runner = await runTestPlanStep({
        ...env,
        password: f.tokens.runner,
        planId: f.plans.mobile!.id,
        appId: apk,
        appOs: 'Android',
        pause: () => drain(() => 'passed'),
      });
      expect(runner.code).toBe(1);
      expect(runner.log).toContain('Client error while selecting the application: Forbidden');
      expect(runner.calls.filter((c) => c.endsWith('/run'))).toEqual([]);
      const missing = await runTestPlanStep({
        ...env,
        planId: 987654,
        appId: apk,
        appOs: 'Android',
        pause: async () => {},
      });
      expect(missing.code).toBe(1);
      expect(missing.log).toContain('Client error while checking the plan: Plan not found');
    });
  });

  describe('POST /Testinium.RestApi/api/file/project/{id}', () => {
    const post = (project: string | number, body: Buffer, type: string, token = ADMIN_TOKEN) =>
      fetch(`${f.s.url}/Testinium.RestApi/api/file/project/${project}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const form = (...files: [name: string, content: Buffer, field?: string][]) =>
      rubyMultipart(files.map(([fileName, content, field]) => ({ name: field ?? 'files', fileName, content })));
    const error = (message: string) => ({ message, detail: expect.any(String) });

    it('answers the stored apps as MobileApps, one per file', async () => {
      const a = randomBytes(1000);
      const b = randomBytes(1000);
      const { type, body } = form(['one.apk', a], ['two.ipa', b, 'file']);
      const r = await post(projectId, body, type);
      expect(r.status).toBe(200);
      expect(r.body).toEqual([
        expect.objectContaining({ mobile_app_name: 'one.apk', mobile_app_hash: sha(a), operating_system: 'ANDROID' }),
        expect.objectContaining({ mobile_app_name: 'two.ipa', mobile_app_hash: sha(b), operating_system: 'IOS' }),
      ]);
      const names = (await f.s.api('GET', '/api/v1/app-builds?limit=2')).body.items.map((x: any) => x.file_name);
      expect(names).toEqual(['two.ipa', 'one.apk']);
    });

    it('keeps a file name agents can use, and refuses files that are no mobile app', async () => {
      const weird = form(['../dir\\My App (1).apk', Buffer.from('x')]);
      const r = await post(projectId, weird.body, weird.type);
      expect(r.body[0].mobile_app_name).toBe('My_App__1_.apk');
      const emoji = form(['😀.ipa', Buffer.from('x')]);
      expect((await post(projectId, emoji.body, emoji.type)).body[0].mobile_app_name).toMatch(/^app_+\.ipa$/);
      const before = (await builds()).length;
      const txt = form(['notes.txt', Buffer.from('x')]);
      expect(await post(projectId, txt.body, txt.type)).toMatchObject({ status: 400, body: error('Bad Request') });
      expect((await post(projectId, txt.body, txt.type)).body.detail).toBe(
        'files: "notes.txt" is not a mobile app: send an Android (.apk, .aab) or iOS (.ipa, .app, .app.zip, .zip) app',
      );
      // A refused file refuses the whole upload: the app before it is not recorded either.
      const mixed = form(['good.apk', randomBytes(100)], ['notes.txt', Buffer.from('x')]);
      expect((await post(projectId, mixed.body, mixed.type)).status).toBe(400);
      const other = form(['x.apk', Buffer.from('x'), 'upload']);
      expect((await post(projectId, other.body, other.type)).body.detail).toContain(
        'the form part "upload" holds a file',
      );
      const empty = rubyMultipart([{ name: 'isSignRequired', value: 'true' }]);
      expect((await post(projectId, empty.body, empty.type)).body).toEqual({
        message: 'Bad Request',
        detail: expect.stringContaining('files: the form holds no file'),
      });
      expect(await post(projectId, Buffer.from('{"files": "x.apk"}'), 'application/json')).toMatchObject({
        status: 415,
        body: error('Unsupported Media Type'),
      });
      expect((await post(projectId, Buffer.from('--x\r\nbroken'), 'multipart/form-data; boundary=x')).status).toBe(400);
      expect((await post(projectId, Buffer.from('--x\r\n'), 'multipart/form-data')).status).toBe(400);
      expect((await builds()).length).toBe(before);
    });

    it('refuses a file over PROCTOR_APP_BUILD_LIMIT (413) and stores none of it; one at the limit is stored', async () => {
      const before = (await builds()).length;
      const big = form(['big.apk', randomBytes(LIMIT + 1)]);
      expect(await post(projectId, big.body, big.type)).toMatchObject({
        status: 413,
        body: error('Payload Too Large'),
      });
      expect((await builds()).length).toBe(before);
      const full = randomBytes(LIMIT);
      const ok = form(['full.apk', full]);
      const r = await post(projectId, ok.body, ok.type);
      expect(r.status).toBe(200);
      expect((await builds())[0]).toMatchObject({ sha256: sha(full), size: LIMIT });
    });

    it('answers as for a project that does not exist to a key of another project, and 403 without PLAN_RUN', async () => {
      const { type, body } = form(['a.apk', Buffer.from('x')]);
      const far = await post(projectId, body, type, f.tokens.outsider);
      const none = await post(987654, body, type, f.tokens.outsider);
      expect(far).toMatchObject({ status: 404, body: error('Project not found') });
      expect(far.body.detail.replace(String(projectId), '<id>')).toBe(none.body.detail.replace('987654', '<id>'));
      expect(await post(projectId, body, type, f.tokens.reader)).toMatchObject({
        status: 403,
        body: error('Forbidden'),
      });
    });
  });
});
