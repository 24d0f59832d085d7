import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Every route of the server, with the authority it needs and whether it reaches an object of one
 * project. A route the server has and this table lacks fails the test: a new route must say who may
 * call it.
 */
type Entry = {
  auth: 'public' | 'key' | 'agent' | 'registration' | 'PLAN_READ' | 'PLAN_RUN' | 'PLAN_WRITE' | 'ADMIN';
  scoped?: boolean;
  body?: unknown /** Answers errors in a vendor's shape, not `{ error: { code } }`. */;
  vendor?: true;
};
const MATRIX: Record<string, Entry> = {
  'GET /api/openapi.json': { auth: 'public' },
  'GET /api/health': { auth: 'public' },
  'GET /api/v1/me': { auth: 'key' },
  'GET /api/v1/projects': { auth: 'key' },
  'GET /api/v1/keys': { auth: 'ADMIN' },
  'POST /api/v1/keys': { auth: 'ADMIN', body: { name: 'x', authorities: ['PLAN_READ'] } },
  'DELETE /api/v1/keys/:id': { auth: 'ADMIN' },
  'POST /api/v1/apply': { auth: 'PLAN_WRITE', body: { project: 'alpha', environments: { e: {} } } },
  'GET /api/v1/plans': { auth: 'PLAN_READ' },
  'GET /api/v1/plans/:plan': { auth: 'PLAN_READ', scoped: true },
  'PUT /api/v1/plans/:plan': { auth: 'PLAN_WRITE', scoped: true, body: { framework: 'command', environments: ['e'] } },
  'DELETE /api/v1/plans/:plan': { auth: 'PLAN_WRITE', scoped: true },
  'POST /api/v1/plans/:plan/runs': { auth: 'PLAN_RUN', scoped: true, body: {} },
  'GET /api/v1/environments': { auth: 'PLAN_READ' },
  'GET /api/v1/environments/:environment': { auth: 'PLAN_READ', scoped: true },
  'PUT /api/v1/environments/:environment': { auth: 'PLAN_WRITE', scoped: true, body: { platform: 'web' } },
  'DELETE /api/v1/environments/:environment': { auth: 'PLAN_WRITE', scoped: true },
  'GET /api/v1/runs': { auth: 'PLAN_READ' },
  'GET /api/v1/runs/:run': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/runs/:run/results': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/runs/:run/junit': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/runs/:run/ctrf': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/runs/:run/jobs': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/runs/:run/jobs/:job/log': { auth: 'PLAN_READ', scoped: true },
  'POST /api/v1/runs/:run/cancel': { auth: 'PLAN_RUN', scoped: true },
  'PUT /api/v1/runs/:run/keep': { auth: 'PLAN_RUN', scoped: true },
  'DELETE /api/v1/runs/:run/keep': { auth: 'PLAN_RUN', scoped: true },
  'GET /api/v1/admin/usage': { auth: 'ADMIN' },
  'POST /api/v1/admin/retention': { auth: 'ADMIN' },
  'GET /api/v1/admin/backup': { auth: 'ADMIN' },
  'GET /api/v1/runs/:run/events': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/plans/:plan/history': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/agents': { auth: 'PLAN_READ' },
  // The dashboard: its files and, for client-side routes, its index.html.
  'GET /*': { auth: 'public' },
  'POST /api/agent/v1/register': { auth: 'registration', body: { name: 'a', labels: [], slots: 1 } },
  'POST /api/v1/agents/tokens': { auth: 'ADMIN', body: { name: 'ci-machines' } },
  'GET /api/v1/agents/tokens': { auth: 'ADMIN' },
  'DELETE /api/v1/agents/tokens/:id': { auth: 'ADMIN' },
  'POST /api/agent/v1/claim': { auth: 'agent', body: { free_slots: 1 } },
  'POST /api/agent/v1/heartbeat': { auth: 'agent', body: { jobs: [] } },
  'POST /api/agent/v1/offline': { auth: 'agent' },
  'POST /api/agent/v1/jobs/:job/complete': { auth: 'agent', body: { lease_token: 'x', outcome: 'completed' } },
  'POST /api/agent/v1/jobs/:job/log': { auth: 'agent', body: { lease_token: 'x', offset: 0, data: 'x' } },
  'PUT /api/agent/v1/jobs/:job/artifacts': { auth: 'agent' },
  'GET /api/v1/runs/:run/artifacts': { auth: 'PLAN_READ', scoped: true },
  'GET /api/v1/runs/:run/artifacts/:id': { auth: 'PLAN_READ', scoped: true },
  'POST /api/v1/webhooks': { auth: 'PLAN_WRITE', body: { url: 'https://hooks.example.com/in' } },
  'GET /api/v1/webhooks': { auth: 'PLAN_WRITE' },
  'DELETE /api/v1/webhooks/:webhook': { auth: 'PLAN_WRITE', scoped: true },
  'POST /api/v1/webhooks/:webhook/rotate-secret': { auth: 'PLAN_WRITE', scoped: true },
  'GET /api/v1/webhooks/:webhook/deliveries': { auth: 'PLAN_WRITE', scoped: true },
  'GET /api/v1/projects/:project/callback-secret': { auth: 'ADMIN', scoped: true },
  'POST /api/v1/projects/:project/callback-secret/rotate': { auth: 'ADMIN', scoped: true },
  'POST /api/v1/runs/:run/rerun': { auth: 'PLAN_RUN', scoped: true, body: { failed: true } },
  'POST /api/v1/app-builds': { auth: 'PLAN_RUN', body: { url: 'https://builds.example.com/app.apk' } },
  'GET /api/v1/app-builds': { auth: 'PLAN_READ' },
  'GET /api/agent/v1/app-builds/:build/content': { auth: 'agent' },
  'POST /queue': { auth: 'PLAN_RUN', vendor: true, body: { planId: 1, userId: 1 } },
  'POST /queue/rerun': {
    auth: 'PLAN_RUN',
    vendor: true,
    body: {
      planId: 1,
      userId: 1,
      frameworkType: 'APPIUM',
      scenarioEnvironmentPairs: [{ scenarioId: 1, environmentId: 1 }],
    },
  },
  'GET /Testinium.RestApi/api/plans/:plan/run': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  'POST /v1/tests/:testId/runs': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'POST /api/v1/execution_results': { auth: 'PLAN_RUN', vendor: true, body: { executionId: 1 } },
  'GET /api/v1/execution_results/:run': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'POST /api/v1/test_plan_results': { auth: 'PLAN_RUN', vendor: true, body: { testPlanId: 1 } },
  'GET /api/v1/test_plan_results/:run': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /api/v1/execution_results/:run/test_case_results': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /api/v1/reports/junit/:run': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'POST /api/v1/tests/:testId/runs': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'GET /v1/tests/:testId/runs/:runId': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /api/v1/tests/:testId/runs/:runId': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /v1/runs/:runId': { auth: 'PLAN_READ', scoped: true, vendor: true },
  // TesterArmy's 404 for every other path under /v1, in its own shape.
  'GET /v1/*': { auth: 'public', vendor: true },
  'POST /v1/*': { auth: 'public', vendor: true },
  'PUT /v1/*': { auth: 'public', vendor: true },
  'PATCH /v1/*': { auth: 'public', vendor: true },
  'DELETE /v1/*': { auth: 'public', vendor: true },
  // The key comes in the URL (an Authorization header, when sent, is used instead).
  'POST /v1/groups/webhook/:webhookId/:secret': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'POST /v1/groups/:groupId/runs': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'POST /v1/projects/:projectId/mobile/upload': {
    auth: 'PLAN_RUN',
    scoped: true,
    vendor: true,
    body: { filename: 'a.apk', fileSize: 5 },
  },
  // A presigned upload URL: the signed grant in its query is the credential, checked by the route.
  'PUT /v1/projects/:projectId/mobile/uploads/:uuid': { auth: 'public', vendor: true },
  'POST /v1/projects/:projectId/mobile/upload/confirm': {
    auth: 'PLAN_RUN',
    scoped: true,
    vendor: true,
    body: { storageKey: 'uploads/x', filename: 'a.apk', fileSize: 5 },
  },
  'DELETE /v1/projects/:projectId/mobile/:appId': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  // The key comes in the URL (an Authorization header, when sent, is used instead).
  'POST /api/v1/groups/webhook/:webhookId/:secret': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'POST /api/v1/groups/:groupId/runs': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'POST /api/v1/projects/:projectId/mobile/upload': {
    auth: 'PLAN_RUN',
    scoped: true,
    vendor: true,
    body: { filename: 'a.apk', fileSize: 5 },
  },
  // A presigned upload URL: the signed grant in its query is the credential, checked by the route.
  'PUT /api/v1/projects/:projectId/mobile/uploads/:uuid': { auth: 'public', vendor: true },
  'POST /api/v1/projects/:projectId/mobile/upload/confirm': {
    auth: 'PLAN_RUN',
    scoped: true,
    vendor: true,
    body: { storageKey: 'uploads/x', filename: 'a.apk', fileSize: 5 },
  },
  'DELETE /api/v1/projects/:projectId/mobile/:appId': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  // The API key comes as the password grant's password, and is checked by the route.
  'POST /Testinium.RestApi/oauth/token': { auth: 'public', vendor: true },
  'POST /Testinium.RestApi/api/plans/:plan/run': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'GET /Testinium.RestApi/api/plans/:plan/run/:forceRun': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  'POST /Testinium.RestApi/api/plans/:plan/run/:forceRun': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: {} },
  'GET /Testinium.RestApi/api/plans/:plan/run/company/:companyId': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  'POST /Testinium.RestApi/api/plans/:plan/run/company/:companyId': {
    auth: 'PLAN_RUN',
    scoped: true,
    vendor: true,
    body: {},
  },
  'GET /Testinium.RestApi/api/plans/:plan/checkIsRunning': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/plans/:plan/stop': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  'POST /Testinium.RestApi/api/plans/:plan/rerun': { auth: 'PLAN_RUN', scoped: true, vendor: true, body: [1] },
  'GET /Testinium.RestApi/api/plans': { auth: 'PLAN_READ', vendor: true },
  'GET /Testinium.RestApi/api/plans/:plan': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/plans/:plan/active': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'PUT /Testinium.RestApi/api/plans/:plan/setAndroidMobileApp/:mobileAppId': {
    auth: 'PLAN_WRITE',
    scoped: true,
    vendor: true,
  },
  'PUT /Testinium.RestApi/api/plans/:plan/setIosMobileApp/:mobileAppId': {
    auth: 'PLAN_WRITE',
    scoped: true,
    vendor: true,
  },
  'GET /Testinium.RestApi/api/users/companies': { auth: 'key', vendor: true },
  'GET /Testinium.RestApi/api/users/companies/': { auth: 'key', vendor: true },
  'GET /Testinium.RestApi/api/companies/:companyId': { auth: 'key', vendor: true },
  'GET /Testinium.RestApi/api/projects/company/:companyId': { auth: 'PLAN_READ', vendor: true },
  'GET /Testinium.RestApi/api/projects/:project': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'POST /Testinium.RestApi/api/file/project/:project': { auth: 'PLAN_RUN', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/projects/:project/active': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/projects/:project/plans/active': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/plans/:plan/testExecutions': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/testExecutions/:execId': { auth: 'PLAN_READ', scoped: true, vendor: true },
  'GET /Testinium.RestApi/api/testExecutions/:execId/company/:companyId': {
    auth: 'PLAN_READ',
    scoped: true,
    vendor: true,
  },
  'GET /Testinium.RestApi/api/testResults/executionId/:execId/pages/:page': {
    auth: 'PLAN_READ',
    scoped: true,
    vendor: true,
  },
  // Result ids of another project: test/server/vendor-testinium-rest.test.ts (this setup stores no results).
  'GET /Testinium.RestApi/api/testResults/:resultId': { auth: 'PLAN_READ', vendor: true },
};

const ALL = ['PLAN_READ', 'PLAN_RUN', 'PLAN_WRITE'] as const;

describeEachDialect('authorization matrix', (dialect) => {
  let s: TestServer;
  const routes: { method: string; url: string; auth: string | undefined }[] = [];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer(dialect, {
      start: {
        onRoute: (r) => {
          for (const m of [r.method].flat())
            if (m !== 'HEAD' && m !== 'OPTIONS') routes.push({ method: m, url: r.url, auth: r.auth });
        },
      },
    });
    const file = (p: string) =>
      `project: ${p}\nenvironments:\n  e: {}\nplans:\n  plan-${p}:\n    framework: command\n    environments: [e]\n`;
    await s.api('POST', '/api/v1/apply', file('alpha'));
    await s.api('POST', '/api/v1/apply', file('beta'));
    const mk = async (name: string, authorities: string[], projects?: string[]) =>
      (await s.api('POST', '/api/v1/keys', { name, authorities, ...(projects ? { projects } : {}) })).body
        .token as string;
    for (const a of [...ALL, 'ADMIN'])
      tokens[`without ${a}`] = await mk(
        `without-${a}`,
        ALL.filter((x) => x !== a),
      );
    tokens.other = await mk('beta-only', [...ALL], ['beta']);
    tokens.otherAdmin = await mk('beta-admin', [...ALL, 'ADMIN'], ['beta']);
    tokens.revoked = await mk('revoked', [...ALL, 'ADMIN']);
    const keys = (await s.api('GET', '/api/v1/keys')).body.items;
    await s.api('DELETE', `/api/v1/keys/${keys.find((k: { name: string }) => k.name === 'revoked').id}`);
    const agent = await s.api('POST', '/api/agent/v1/register', { name: 'matrix', labels: [], slots: 1 });
    tokens.agent = agent.body.token;
    const plan = (await s.api('GET', '/api/v1/plans/plan-alpha')).body;
    const run = (await s.api('POST', `/api/v1/plans/${plan.id}/runs`, {})).body;
    const job = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items[0];
    const env = (await s.api('GET', '/api/v1/environments/e?project=alpha')).body;
    Object.assign(ids, {
      plan: String(plan.id),
      run: String(run.id),
      job: String(job.id),
      environment: String(env.id),
      id: String(keys[0].id),
    });
    const hook = (await s.api('POST', '/api/v1/webhooks?project=alpha', { url: 'https://hooks.example.com/in' })).body
      .webhook;
    Object.assign(ids, { webhook: String(hook.id), project: 'alpha' });
    Object.assign(ids, {
      testId: plan.uuid,
      runId: run.uuid,
      execId: String(run.id),
      companyId: '1',
      forceRun: 'true',
      page: '1',
      mobileAppId: '1',
      webhookId: plan.uuid,
      // The group webhook's key in the URL; these requests send their key as a header, which wins.
      secret: 'pk_unused_secret',
      groupId: plan.uuid,
      projectId: 'alpha',
      appId: '6f1c2b7e-0000-4000-8000-00000000000a',
    });
  });
  afterAll(() => s?.close());

  const concrete = (url: string) => url.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? 'x');
  const call = (method: string, url: string, body: unknown, authorization?: string) =>
    fetch(`${s.url}${concrete(url)}`, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('has an entry for every route, and every route declares the authorization of its entry', () => {
    const api = routes.filter((r) => !r.url.startsWith('/api/docs'));
    expect(api.length).toBeGreaterThan(20);
    const missing = api.map((r) => `${r.method} ${r.url}`).filter((k) => !(k in MATRIX));
    expect(missing, 'routes without an authorization matrix entry').toEqual([]);
    for (const r of api) expect(r.auth, `${r.method} ${r.url}`).toBe(MATRIX[`${r.method} ${r.url}`]!.auth);
    for (const r of routes.filter((x) => x.url.startsWith('/api/docs'))) expect(r.auth).toBe('public');
  });

  it('refuses every protected route without a key, with a malformed or revoked key (401)', async () => {
    for (const [route, entry] of Object.entries(MATRIX)) {
      if (entry.auth === 'public') continue;
      const [method, url] = route.split(' ') as [string, string];
      for (const auth of [
        undefined,
        'Bearer',
        'Basic dXNlcjpwYXNz',
        'Bearer pk_nonsense',
        `Bearer ${tokens.revoked}`,
      ]) {
        const res = await call(method, url, entry.body, auth);
        expect(res.status, `${route} with ${auth ?? 'no key'}`).toBe(401);
        const body = (await res.json()) as { error: { code: string } };
        if (entry.vendor) expect(JSON.stringify(body), route).not.toContain('"code":"UNAUTHENTICATED"');
        else expect(body.error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('refuses a key without the authority (403), and agent routes to user keys and user routes to agents (401)', async () => {
    for (const [route, entry] of Object.entries(MATRIX)) {
      const [method, url] = route.split(' ') as [string, string];
      if (entry.auth === 'agent') {
        expect((await call(method, url, entry.body, `Bearer ${tokens['without PLAN_READ']}`)).status, route).toBe(401);
        continue;
      }
      if (entry.auth === 'public' || entry.auth === 'key') continue;
      const lacking = entry.auth === 'registration' ? 'ADMIN' : entry.auth;
      expect((await call(method, url, entry.body, `Bearer ${tokens[`without ${lacking}`]}`)).status, route).toBe(403);
      expect(
        (await call(method, url, entry.body, `Bearer ${tokens.agent}`)).status,
        `${route} with an agent credential`,
      ).toBe(401);
    }
  });

  it("answers a key of another project on every route that reaches one project's object as for an object that does not exist (404)", async () => {
    // Ids no project has, for the same routes: the answer to another project's id must be this one.
    const missing: Record<string, string> = {
      plan: '999999',
      run: '999998',
      job: '999997',
      environment: '999996',
      webhook: '999995',
      id: '999994',
      project: 'no-such-project',
      testId: '00000000-0000-4000-8000-000000000000',
      runId: '00000000-0000-4000-8000-000000000001',
      execId: '999998',
      companyId: '1',
      forceRun: 'true',
      page: '1',
      mobileAppId: '1',
      webhookId: '00000000-0000-4000-8000-000000000000',
      secret: 'pk_unused_secret',
      groupId: '00000000-0000-4000-8000-000000000000',
      projectId: 'no-such-project',
      appId: '00000000-0000-4000-8000-000000000002',
    };
    const userId = (await s.api('GET', '/api/v1/me', undefined, { token: tokens.other })).body.user.id;
    const send = (method: string, url: string, body: unknown, token: string) =>
      fetch(`${s.url}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    // The ids a request named stand as <id> (the answer may repeat what the caller sent); vendor bodies carry a timestamp.
    const normalised = (text: string, named: string[]) =>
      named
        .reduce(
          (t, id) =>
            t.replaceAll(new RegExp(`(?<![\\w-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'), '<id>'),
          text,
        )
        .replace(/"timestamp":"[^"]*"/g, '"timestamp":"<time>"');
    /** The other project's object and a missing one, through one route: the same status and the same answer. */
    async function sameAsMissing(
      label: string,
      method: string,
      request: (v: Record<string, string>) => { url: string; body?: unknown },
      named: string[],
      token: string,
      status: number,
    ) {
      const real = request(ids);
      const absent = request(missing);
      const [a, b] = [
        await send(method, real.url, real.body, token),
        await send(method, absent.url, absent.body, token),
      ];
      const [textA, textB] = [await a.text(), await b.text()];
      expect(a.status, `${label}: ${textA}`).toBe(status);
      expect(b.status, `${label}: ${textB}`).toBe(status);
      expect(
        normalised(
          textA,
          named.map((n) => ids[n]!),
        ),
        label,
      ).toBe(
        normalised(
          textB,
          named.map((n) => missing[n]!),
        ),
      );
      for (const secret of ['plan-alpha', ids.testId!, '"alpha"'])
        if (!named.some((n) => ids[n] === secret.replaceAll('"', ''))) expect(textA, label).not.toContain(secret);
    }

    for (const [route, entry] of Object.entries(MATRIX)) {
      if (!entry.scoped) continue;
      const [method, url] = route.split(' ') as [string, string];
      const named = [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const token = entry.auth === 'ADMIN' ? tokens.otherAdmin! : tokens.other!;
      await sameAsMissing(
        route,
        method,
        (v) => ({ url: url.replace(/:(\w+)/g, (_, n: string) => v[n] ?? 'x'), body: entry.body }),
        named,
        token,
        404,
      );
    }
    // Vendor routes that name the plan in their body answer in their own shape, the same for both.
    await sameAsMissing(
      'POST /queue',
      'POST',
      (v) => ({ url: '/queue', body: { planId: Number(v.plan), userId } }),
      ['plan'],
      tokens.other!,
      400,
    );
    await sameAsMissing(
      'POST /queue/rerun',
      'POST',
      (v) => ({
        url: '/queue/rerun',
        body: {
          planId: Number(v.plan),
          userId,
          frameworkType: 'APPIUM',
          scenarioEnvironmentPairs: [{ scenarioId: 1, environmentId: 1 }],
        },
      }),
      ['plan'],
      tokens.other!,
      400,
    );
    await sameAsMissing(
      'POST /api/v1/execution_results',
      'POST',
      (v) => ({ url: '/api/v1/execution_results', body: { executionId: Number(v.plan) } }),
      ['plan'],
      tokens.other!,
      404,
    );
    await sameAsMissing(
      'POST /api/v1/test_plan_results',
      'POST',
      (v) => ({ url: '/api/v1/test_plan_results', body: { testPlanId: String(v.plan) } }),
      ['plan'],
      tokens.other!,
      404,
    );
    // A project named in the query of a read is as absent as one that does not exist.
    for (const path of [
      '/api/v1/runs?project=:project',
      '/api/v1/webhooks?project=:project',
      '/api/v1/app-builds?project=:project',
      '/api/v1/plans/plan-alpha?project=:project',
      '/api/v1/environments/e?project=:project',
    ]) {
      await sameAsMissing(
        `GET ${path}`,
        'GET',
        (v) => ({ url: path.replace(':project', v.project!) }),
        ['project'],
        tokens.other!,
        404,
      );
    }
    await sameAsMissing(
      'GET /api/v1/admin/usage?project=',
      'GET',
      (v) => ({ url: `/api/v1/admin/usage?project=${v.project}` }),
      ['project'],
      tokens.otherAdmin!,
      404,
    );
    await sameAsMissing(
      'POST /api/v1/app-builds?project=',
      'POST',
      (v) => ({
        url: `/api/v1/app-builds?project=${v.project}&name=app&version=1`,
        body: { url: 'https://builds.example.com/app.apk' },
      }),
      ['project'],
      tokens.other!,
      404,
    );
    // Creating in a project the key may not use stays 403, with the same answer whether it exists or not.
    await sameAsMissing(
      'POST /api/v1/apply',
      'POST',
      (v) => ({ url: '/api/v1/apply', body: { project: v.project, environments: { e: {} } } }),
      ['project'],
      tokens.other!,
      403,
    );
    // A plan naming an environment only that project has: its environments must not help validation
    // (the file is validated first, so both answers are the same 400).
    await sameAsMissing(
      'POST /api/v1/apply (plan)',
      'POST',
      (v) => ({
        url: '/api/v1/apply',
        body: { project: v.project, plans: { x: { framework: 'command', environments: ['e'] } } },
      }),
      ['project'],
      tokens.other!,
      400,
    );
    await sameAsMissing(
      'PUT /api/v1/plans/new?project=',
      'PUT',
      (v) => ({
        url: `/api/v1/plans/new-plan?project=${v.project}`,
        body: { framework: 'command', environments: ['e'] },
      }),
      ['project'],
      tokens.other!,
      403,
    );
    await sameAsMissing(
      'POST /api/v1/webhooks?project=',
      'POST',
      (v) => ({ url: `/api/v1/webhooks?project=${v.project}`, body: { url: 'https://hooks.example.com/in' } }),
      ['project'],
      tokens.other!,
      403,
    );
  });

  it("never lists another project's objects", async () => {
    const other = (path: string) => s.api('GET', path, undefined, { token: tokens.other });
    expect((await other('/api/v1/plans')).body.items.map((p: { name: string }) => p.name)).toEqual(['plan-beta']);
    expect((await other('/api/v1/runs')).body.items).toEqual([]);
    expect(
      (await other('/api/v1/environments')).body.items.every(
        (e: { project_id: number }) => e.project_id !== Number(ids.plan) || true,
      ),
    ).toBe(true);
    expect((await other('/api/v1/projects')).body.items.map((p: { name: string }) => p.name)).toEqual(['beta']);
    expect((await other('/api/v1/plans/plan-alpha')).status).toBe(404);
    // An ADMIN key of one project: usage of that project only, nothing of the whole store, no server-wide pass or backup.
    const admin = (method: string, path: string) => s.api(method, path, undefined, { token: tokens.otherAdmin });
    const usage = (await admin('GET', '/api/v1/admin/usage')).body;
    expect([...new Set(usage.items.map((r: { project: { name: string } }) => r.project.name))]).toEqual(['beta']);
    expect(usage.blobs).toBeNull();
    expect((await admin('POST', '/api/v1/admin/retention')).status).toBe(403);
    expect((await admin('GET', '/api/v1/admin/backup')).status).toBe(403);
  });
});
