import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

/**
 * Hostile strings through every text field of every route that stores or looks up text. Nothing is
 * a 5xx, and what was stored reads back as it was sent, except NUL and lone surrogates, which read
 * back as their six-character escapes (`\u0000`, `\ud800`), the same on both dialects.
 */
const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\x7f';
const CORPUS: [string, string][] = [
  ['NUL alone', '\0'],
  ['NUL inside text', 'before\0after\0'],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', 'a\udc00b'],
  ['high surrogate at the end', 'end\udbff'],
  ['pair in the wrong order', '\udc00\ud800'],
  ['RTL override', 'invoice\u202Egnp.exe'],
  ['bidi marks', '\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u061C|'],
  ['every C0 control', C0],
  ['emoji and astral', '😀 👩‍👩‍👧 🏳️‍🌈 𝕏 \u{10FFFF}'],
  ['astral then lone', '😀\ud83d'],
  ['an escape written out', 'literal \\u0000 and \\\\ud800'],
  ['zero width and BOM', '\u200B\uFEFFx'],
];

/** What the server must give back for `s`: written here on its own, not imported from the server. */
function expected(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c === 0) out += '\\u0000';
    else if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16)}`;
    else out += s[i]!;
  }
  return out;
}

/** Percent-encoding of the UTF-16 units, lone surrogates included (as CESU-8 bytes, which are not UTF-8). */
function percent(s: string): { text: string; encodable: boolean } {
  try {
    return { text: encodeURIComponent(s), encodable: true };
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return { text: bytes.map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''), encodable: false };
  }
}

const MiB = 1024 * 1024;

/**
 * Routes whose inputs are all numbers, enums, patterns, booleans or raw files: nothing of theirs is
 * free text. Every other route must be exercised below (`hit`), or the first test fails.
 */
const NO_FREE_TEXT = new Set([
  'GET /api/openapi.json',
  'GET /api/health',
  'GET /*',
  'GET /api/v1/me',
  'GET /api/v1/projects',
  'DELETE /api/v1/keys/:id',
  'DELETE /api/v1/agents/tokens/:id',
  'POST /api/agent/v1/offline',
  'GET /api/v1/runs/:run',
  'GET /api/v1/runs/:run/junit',
  'GET /api/v1/runs/:run/ctrf',
  'GET /api/v1/runs/:run/jobs',
  'GET /api/v1/runs/:run/events',
  'GET /api/v1/runs/:run/artifacts',
  'GET /api/v1/runs/:run/artifacts/:id',
  'POST /api/agent/v1/claim',
  'GET /api/agent/v1/app-builds/:build/content',
  'DELETE /api/v1/webhooks/:webhook',
  'POST /api/v1/webhooks/:webhook/rotate-secret',
  'GET /api/v1/webhooks/:webhook/deliveries',
  // Plan, user, scenario and environment ids: numbers, or digits in a string (a pattern).
  'POST /queue',
  'POST /queue/rerun',
  // Vendor reads by numeric id or UUID, and lists without parameters.
  'GET /Testinium.RestApi/api/plans',
  'GET /Testinium.RestApi/api/users/companies',
  'GET /Testinium.RestApi/api/users/companies/',
  'GET /Testinium.RestApi/api/companies/:companyId',
  'GET /Testinium.RestApi/api/projects/company/:companyId',
  'GET /Testinium.RestApi/api/testResults/:resultId',
  'GET /v1/runs/:runId',
  'GET /v1/tests/:testId/runs/:runId',
  'GET /api/v1/tests/:testId/runs/:runId',
  // Artifact names and their headers are the business of the artifact routes' own tests.
  'PUT /api/agent/v1/jobs/:job/artifacts',
  // A run id; no body, no query.
  'PUT /api/v1/runs/:run/keep',
  'DELETE /api/v1/runs/:run/keep',
  'POST /api/v1/admin/retention',
  'GET /api/v1/admin/backup',
]);

describeEachDialect('hostile strings', (dialect) => {
  let s: TestServer;
  const routes: string[] = [];
  const hit = new Set<string>();
  const statuses: { what: string; status: number; body: unknown }[] = [];

  beforeAll(async () => {
    s = await startTestServer(dialect, {
      start: {
        onRoute: (r) => {
          for (const m of [r.method].flat()) if (m !== 'HEAD' && m !== 'OPTIONS' && !r.url.startsWith('/api/docs')) routes.push(`${m} ${r.url}`);
        },
      },
    });
  }, 60_000);
  afterAll(() => s?.close());

  /** One call; every answer is recorded and checked for 5xx at the end of each test. */
  async function call(route: string, path: string, body?: unknown, opts: { token?: string; raw?: Buffer; type?: string } = {}) {
    hit.add(route);
    const method = route.split(' ')[0]!;
    let r: { status: number; body: any };
    if (opts.raw) {
      const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}`, 'content-type': opts.type ?? 'application/octet-stream' }, body: opts.raw });
      const text = await res.text();
      r = { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
    } else {
      r = await s.api(method, path, body, opts.token ? { token: opts.token } : {});
    }
    statuses.push({ what: `${route} ${path.slice(0, 120)}`, status: r.status, body: r.body });
    return r;
  }

  function noServerErrors() {
    const bad = statuses.filter((x) => x.status >= 500).map((x) => `${x.what} → ${x.status} ${JSON.stringify(x.body).slice(0, 200)}`);
    statuses.length = 0;
    expect(bad).toEqual([]);
  }

  it('stores names, descriptions, trigger fields and agent fields as sent (NUL and lone surrogates escaped) and finds them by them', async () => {
    for (const [label, v] of CORPUS) {
      const want = expected(v);
      // API keys: name and owner.
      const key = await call('POST /api/v1/keys', '/api/v1/keys', { name: v, user: `u ${v}`, authorities: ['PLAN_READ'] });
      expect(key.status, label).toBe(201);
      const keys = (await call('GET /api/v1/keys', '/api/v1/keys')).body.items as { id: number; name: string; user: { name: string } }[];
      const stored = keys.find((k) => k.id === key.body.key.id)!;
      expect(stored.name, label).toBe(want);
      expect(stored.user.name, label).toBe(expected(`u ${v}`));
      // Registration tokens.
      const token = await call('POST /api/v1/agents/tokens', '/api/v1/agents/tokens', { name: v });
      expect(token.status, label).toBe(201);
      const tokens = (await call('GET /api/v1/agents/tokens', '/api/v1/agents/tokens')).body.items as { id: number; name: string }[];
      expect(tokens.find((t) => t.id === token.body.token.id)?.name, label).toBe(want);
      // Webhook descriptions.
      const odd = await call('POST /api/v1/webhooks', '/api/v1/webhooks?project=default', { url: `https://hooks.example.com/in/${v}`, description: v });
      expect(odd.status, label).toBeLessThan(500);
      const hook = await call('POST /api/v1/webhooks', '/api/v1/webhooks?project=default', { url: 'https://hooks.example.com/in', description: v });
      expect(hook.status, label).toBe(201);
      const hooks = (await call('GET /api/v1/webhooks', '/api/v1/webhooks')).body.items as { id: number; description: string }[];
      expect(hooks.find((h) => h.id === hook.body.webhook.id)?.description, label).toBe(want);
      // Agents: name and labels, and an environment that asks for that label is served.
      const agent = await call('POST /api/agent/v1/register', '/api/agent/v1/register', { name: v, labels: [v, 'plain'], slots: 1 });
      expect(agent.status, label).toBe(201);
      const agents = (await call('GET /api/v1/agents', '/api/v1/agents')).body.items as { id: number; name: string; labels: string[] }[];
      const a = agents.find((x) => x.id === agent.body.agent_id)!;
      expect(a.name, label).toBe(want);
      expect(a.labels, label).toContain(want);
    }
    noServerErrors();
  });

  it('stores plan and environment text through apply and PUT, and run trigger fields; query filters and path parameters find them', async () => {
    const plan = (name: string, v: string) => ({
      description: v,
      framework: 'command',
      workdir: v,
      scenarios: { include: [v], exclude: [v], tags: [v], names: [v] },
      options: { command: v, nested: { [v]: [v] } },
      environments: ['hostile-env'],
    });
    const envDef = (v: string) => ({ platform: 'web', labels: [v], variables: { TEXT: v, OTHER: 'secret-value' }, secrets: ['OTHER'] });
    for (const [i, [label, v]] of CORPUS.entries()) {
      const want = expected(v);
      const applied = await call('POST /api/v1/apply', '/api/v1/apply', { environments: { 'hostile-env': envDef(v) }, plans: { [`hostile-${i}`]: plan(`hostile-${i}`, v) } });
      expect(applied.status, `${label}: ${JSON.stringify(applied.body).slice(0, 300)}`).toBe(200);
      const again = await call('POST /api/v1/apply', '/api/v1/apply', { environments: { 'hostile-env': envDef(v) }, plans: { [`hostile-${i}`]: plan(`hostile-${i}`, v) } });
      expect(again.body.changes.map((c: { action: string }) => c.action), `${label}: applying the same file again changes nothing`).not.toContain('updated');
      const got = (await call('GET /api/v1/plans/:plan', `/api/v1/plans/hostile-${i}`)).body.definition;
      expect([got.description, got.workdir, got.scenarios.include[0], got.scenarios.exclude[0], got.scenarios.tags[0], got.scenarios.names[0], got.options.command], label).toEqual(Array(7).fill(want));
      expect(got.options.nested, label).toEqual({ [want]: [want] });
      const env = (await call('GET /api/v1/environments/:environment', '/api/v1/environments/hostile-env')).body.definition;
      expect([env.labels[0], env.variables.TEXT], label).toEqual([want, want]);

      const put = await call('PUT /api/v1/plans/:plan', `/api/v1/plans/put-${i}`, plan(`put-${i}`, `put ${v}`));
      expect(put.status, label).toBe(200);
      expect(put.body.definition.description, label).toBe(expected(`put ${v}`));
      const putEnv = await call('PUT /api/v1/environments/:environment', `/api/v1/environments/put-env-${i}`, envDef(`put ${v}`));
      expect(putEnv.status, label).toBe(200);
      expect(putEnv.body.definition.variables.TEXT, label).toBe(expected(`put ${v}`));

      const run = await call('POST /api/v1/plans/:plan/runs', `/api/v1/plans/hostile-${i}/runs`, { build: v, branch: `b ${v}`, ref: `r${v}`, parameters: { P: v } });
      expect(run.status, `${label}: ${JSON.stringify(run.body).slice(0, 300)}`).toBe(202);
      expect([run.body.trigger.build, run.body.trigger.branch, run.body.trigger.ref, run.body.trigger.parameters.P], label).toEqual([want, expected(`b ${v}`), expected(`r${v}`), want]);
      const { text: build, encodable } = percent(v);
      const byBuild = await call('GET /api/v1/runs', `/api/v1/runs?build=${build}`);
      expect(byBuild.status, label).toBeLessThan(500);
      // A lone surrogate cannot be sent in a URL (it is not UTF-8); the rest must find the run.
      if (encodable) expect(byBuild.body.items.map((r: { id: number }) => r.id), `${label}: ?build=`).toEqual([run.body.id]);
      const byBranch = await call('GET /api/v1/runs', `/api/v1/runs?branch=${percent(`b ${v}`).text}&plan=hostile-${i}`);
      if (encodable) expect(byBranch.body.items.map((r: { id: number }) => r.id), `${label}: ?branch=`).toEqual([run.body.id]);
      // Vendor: Testsigma's buildNo is the run's build.
      const ts = await call('POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: run.body.plan.id, buildNo: `ts ${v}` });
      expect(ts.status, label).toBeLessThan(300);
      const tsRun = (await call('GET /api/v1/runs/:run', `/api/v1/runs/${ts.body.id}`)).body;
      expect(tsRun.trigger.build, label).toBe(expected(`ts ${v}`));
      const tsDevices = await call('POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: run.body.plan.id, uploadVersions: { [v]: 1 }, environmentId: v });
      expect(tsDevices.status, label).toBeGreaterThanOrEqual(400);
      const vendorView = await call('GET /api/v1/execution_results/:run', `/api/v1/execution_results/${ts.body.id}`);
      expect(vendorView.status, label).toBe(200);
      // Testsigma's runtimeData are the run's parameters, stored like the native ones.
      const tsData = await call('POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: run.body.plan.id, runtimeData: { P: v }, buildNo: 7 });
      expect(tsData.status, `${label}: ${JSON.stringify(tsData.body).slice(0, 200)}`).toBe(200);
      expect((await call('GET /api/v1/runs/:run', `/api/v1/runs/${tsData.body.id}`)).body.trigger.parameters.P, label).toBe(want);
      const tsBadName = await call('POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: run.body.plan.id, runtimeData: { [v]: v } });
      expect(tsBadName.status, label).toBe(400);
      // The same under Testsigma's newer name (its Jenkins plugin).
      const tpr = await call('POST /api/v1/test_plan_results', '/api/v1/test_plan_results', { testPlanId: String(run.body.plan.id), runtimeData: { P: v }, buildNo: `tpr ${v}` });
      expect(tpr.status, `${label}: ${JSON.stringify(tpr.body).slice(0, 200)}`).toBe(200);
      expect((await call('GET /api/v1/runs/:run', `/api/v1/runs/${tpr.body.id}`)).body.trigger, label).toMatchObject({ build: expected(`tpr ${v}`), parameters: { P: want } });
      // Testinium's token endpoint: a password that is no API key is a 401 whatever it holds.
      const token = await call('POST /Testinium.RestApi/oauth/token', '/Testinium.RestApi/oauth/token', { grant_type: 'password', username: v, password: v, scope: v });
      expect(token.status, label).toBe(401);

      // Names that cannot exist (plan, environment and project names are restricted): a 4xx, never a 5xx.
      const p = percent(v).text;
      for (const [route, path] of [
        ['GET /api/v1/plans/:plan', `/api/v1/plans/${p}`],
        ['GET /api/v1/plans/:plan/history', `/api/v1/plans/${p}/history`],
        ['DELETE /api/v1/plans/:plan', `/api/v1/plans/x${p}`],
        ['POST /api/v1/plans/:plan/runs', `/api/v1/plans/${p}/runs`],
        ['GET /api/v1/environments/:environment', `/api/v1/environments/${p}`],
        ['DELETE /api/v1/environments/:environment', `/api/v1/environments/x${p}`],
        ['GET /Testinium.RestApi/api/plans/:plan/run', `/Testinium.RestApi/api/plans/${p}/run`],
        ['GET /api/v1/runs/:run/jobs/:job/log', `/api/v1/runs/${run.body.id}/jobs/${p}/log`],
        ['POST /api/v1/runs/:run/rerun', `/api/v1/runs/${p}/rerun`],
        ['GET /api/v1/execution_results/:run', `/api/v1/execution_results/${p}`],
        ['GET /api/v1/test_plan_results/:run', `/api/v1/test_plan_results/${p}`],
        ['POST /v1/tests/:testId/runs', `/v1/tests/${p}/runs`],
        ['POST /api/v1/tests/:testId/runs', `/api/v1/tests/${p}/runs`],
        ['GET /api/v1/reports/junit/:run', `/api/v1/reports/junit/${p}`],
        ['GET /api/v1/execution_results/:run/test_case_results', `/api/v1/execution_results/${p}/test_case_results`],
        ['POST /Testinium.RestApi/api/plans/:plan/run', `/Testinium.RestApi/api/plans/${p}/run`],
        ['GET /Testinium.RestApi/api/plans/:plan/run/:forceRun', `/Testinium.RestApi/api/plans/${p}/run/false`],
        ['POST /Testinium.RestApi/api/plans/:plan/run/:forceRun', `/Testinium.RestApi/api/plans/${p}/run/true`],
        ['GET /Testinium.RestApi/api/plans/:plan/run/company/:companyId', `/Testinium.RestApi/api/plans/${p}/run/company/1`],
        ['POST /Testinium.RestApi/api/plans/:plan/run/company/:companyId', `/Testinium.RestApi/api/plans/${p}/run/company/1`],
        ['GET /Testinium.RestApi/api/plans/:plan/checkIsRunning', `/Testinium.RestApi/api/plans/${p}/checkIsRunning`],
        ['GET /Testinium.RestApi/api/plans/:plan/stop', `/Testinium.RestApi/api/plans/${p}/stop`],
        ['POST /Testinium.RestApi/api/plans/:plan/rerun', `/Testinium.RestApi/api/plans/${p}/rerun`],
        ['GET /Testinium.RestApi/api/plans/:plan', `/Testinium.RestApi/api/plans/${p}`],
        ['GET /Testinium.RestApi/api/plans/:plan/active', `/Testinium.RestApi/api/plans/${p}/active`],
        ['PUT /Testinium.RestApi/api/plans/:plan/setAndroidMobileApp/:mobileAppId', `/Testinium.RestApi/api/plans/${p}/setAndroidMobileApp/1`],
        ['PUT /Testinium.RestApi/api/plans/:plan/setIosMobileApp/:mobileAppId', `/Testinium.RestApi/api/plans/${p}/setIosMobileApp/1`],
        ['GET /Testinium.RestApi/api/plans/:plan/testExecutions', `/Testinium.RestApi/api/plans/${p}/testExecutions`],
        ['GET /Testinium.RestApi/api/projects/:project/active', `/Testinium.RestApi/api/projects/${p}/active`],
        ['GET /Testinium.RestApi/api/projects/:project/plans/active', `/Testinium.RestApi/api/projects/${p}/plans/active`],
        ['GET /Testinium.RestApi/api/testExecutions/:execId', `/Testinium.RestApi/api/testExecutions/${p}`],
        ['GET /Testinium.RestApi/api/testExecutions/:execId/company/:companyId', `/Testinium.RestApi/api/testExecutions/${p}/company/1`],
        ['GET /Testinium.RestApi/api/testResults/executionId/:execId/pages/:page', `/Testinium.RestApi/api/testResults/executionId/${p}/pages/1`],
        ['GET /api/v1/projects/:project/callback-secret', `/api/v1/projects/${p}/callback-secret`],
        ['POST /api/v1/projects/:project/callback-secret/rotate', `/api/v1/projects/${p}/callback-secret/rotate`],
      ] as const) {
        const r = await call(route, path, route.startsWith('POST') ? {} : undefined);
        expect(r.status, `${label}: ${path}`).toBeGreaterThanOrEqual(400);
      }
      // Filters naming nothing that exists: an empty list or a 4xx.
      for (const [route, path] of [
        ['GET /api/v1/runs', `/api/v1/runs?plan=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?project=${p}`],
        ['GET /api/v1/runs/:run/results', `/api/v1/runs/${run.body.id}/results?environment=${p}`],
      ] as const) {
        const r = await call(route, path);
        if (r.status === 200) expect(r.body.items, `${label}: ${path}`).toEqual([]);
        else expect(r.status, `${label}: ${path}`).toBeGreaterThanOrEqual(400);
      }
      // The listings of plans and environments show what the key reaches whatever `project` says.
      await call('GET /api/v1/plans', `/api/v1/plans?project=${p}`);
      await call('GET /api/v1/environments', `/api/v1/environments?project=${p}`);
      const triggerBad = await call('POST /api/v1/plans/:plan/runs', `/api/v1/plans/hostile-${i}/runs`, { environments: [v], profile: v, scenarios: [v], app_builds: { [v]: 1 } });
      expect(triggerBad.status, label).toBe(400);
      const callback = await call('GET /Testinium.RestApi/api/plans/:plan/run', `/Testinium.RestApi/api/plans/${run.body.plan.id}/run?callbackUrl=${percent(`https://ci.example.com/${v}`).text}`);
      expect(callback.status, label).toBeLessThan(500);
    }
    for (const path of ['/api/v1/plans/%00', '/api/v1/plans/a%00b/history', '/api/v1/runs/%00', '/api/v1/runs?build=%00', '/api/v1/environments/%00?project=%00', '/%00', '/api/v1/%00']) {
      const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      statuses.push({ what: path, status: r.status, body: await r.text() });
    }
    noServerErrors();
  });

  it('stores app build names and versions, uploaded and registered by URL', async () => {
    for (const [label, v] of CORPUS) {
      const version = percent(`1.0 ${v}`);
      const up = await call('POST /api/v1/app-builds', `/api/v1/app-builds?name=hostile-app&version=${version.text}`, undefined, { raw: Buffer.from(`app ${label}`) });
      expect(up.status, `${label}: ${JSON.stringify(up.body).slice(0, 200)}`).toBeLessThan(500);
      if (version.encodable) expect(up.body.version, label).toBe(expected(`1.0 ${v}`));
      const byUrl = await call('POST /api/v1/app-builds', '/api/v1/app-builds?name=hostile-url&version=1', { url: `https://builds.example.com/${encodeURIComponent(label)}.apk` });
      expect(byUrl.status, label).toBeLessThan(500);
      const listed = await call('GET /api/v1/app-builds', `/api/v1/app-builds?name=${percent(v).text}`);
      expect(listed.status, label).toBeLessThan(500);
    }
    const list = (await call('GET /api/v1/app-builds', '/api/v1/app-builds?name=hostile-app')).body.items as { version: string }[];
    for (const [label, v] of CORPUS) if (percent(v).encodable) expect(list.map((b) => b.version), label).toContain(expected(`1.0 ${v}`));
    noServerErrors();
  });

  it('stores what an agent reports: discovered scenarios, log chunks, completion errors, output and results, and reruns by key', async () => {
    const flow = { framework: 'command', environments: ['flow'], max_parallel: 1000, retries: 0 };
    // The label holds NUL and a lone surrogate: the agent that registers with it serves the environment.
    const label = 'hostile\0flow\ud800';
    await call('POST /api/v1/apply', '/api/v1/apply', { environments: { flow: { labels: [label] } }, plans: { flow } });
    const agent = await ProtocolAgent.register(s, [label], 64);
    hit.add('POST /api/agent/v1/jobs/:job/complete');
    hit.add('POST /api/agent/v1/jobs/:job/log');
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/flow/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const keyOf = (v: string, i: number) => `hostile.test.ts > ${i} ${v}`;
    const scenarios = CORPUS.map(([, v], i) => ({ key: keyOf(v, i), file: 'hostile.test.ts', path: [`${i} ${v}`], tags: [v] }));
    const discovered = await agent.complete(discovery!, { outcome: 'completed', scenarios });
    expect(discovered.status, JSON.stringify(discovered.body).slice(0, 300)).toBe(200);
    const jobs: ClaimedJob[] = [];
    for (let round = 0; round < 20 && jobs.flatMap((j) => j.scenarios).length < CORPUS.length; round++) jobs.push(...(await agent.claim(64)));
    const beat = await call('POST /api/agent/v1/heartbeat', '/api/agent/v1/heartbeat', { jobs: [...jobs.map((j) => ({ job_id: j.job_id, lease_token: j.lease_token })), ...CORPUS.map(([, v]) => ({ job_id: jobs[0]!.job_id, lease_token: v }))] }, { token: agent.token });
    expect(beat.status).toBe(200);
    const claimedKeys = jobs.flatMap((j) => j.scenarios.map((x) => x.key)).sort();
    expect(claimedKeys).toEqual(CORPUS.map(([, v], i) => expected(keyOf(v, i))).sort());
    const rawOf = new Map(CORPUS.map(([, v], i) => [expected(keyOf(v, i)), { v, i }]));
    const logOf = new Map<number, string>();
    for (const job of jobs) {
      let offset = 0;
      let log = '';
      for (const x of job.scenarios) {
        const { v } = rawOf.get(x.key)!;
        const r = await call('POST /api/agent/v1/jobs/:job/log', `/api/agent/v1/jobs/${job.job_id}/log`, { lease_token: job.lease_token, offset, data: `[${v}]` }, { token: agent.token });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        offset = r.body.next_offset;
        log += expected(`[${v}]`);
      }
      logOf.set(job.job_id, log);
      const results = job.scenarios.map((x) => {
        const { v, i } = rawOf.get(x.key)!;
        // The agent names the scenario as its framework does: the raw key, not the stored one.
        return { key: keyOf(v, i), file: 'hostile.test.ts', path: [`${i} ${v}`], outcome: 'failed' as const, durationMs: 1, message: `m ${v}`, stack: `s ${v}`, stdout: `o ${v}`, stderr: `e ${v}` };
      });
      const done = await agent.complete(job, { outcome: 'completed', exit_code: 1, results, output: `out ${job.scenarios.map((x) => rawOf.get(x.key)!.v).join('|')}` });
      expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    }
    const rows = (await call('GET /api/v1/runs/:run/results', `/api/v1/runs/${run.id}/results`)).body.items as { status: string; scenario: { key: string; path: string[] }; message: string; stack: string; stdout: string; stderr: string }[];
    expect(rows).toHaveLength(CORPUS.length);
    for (const row of rows) {
      const { v, i } = rawOf.get(row.scenario.key)!;
      const label = CORPUS[i]![0];
      expect(row.status, label).toBe('failed');
      expect([row.message, row.stack, row.stdout, row.stderr], label).toEqual([expected(`m ${v}`), expected(`s ${v}`), expected(`o ${v}`), expected(`e ${v}`)]);
      expect(row.scenario.path, label).toEqual([expected(`${i} ${v}`)]);
    }
    for (const [jobId, log] of logOf) {
      const served = await call('GET /api/v1/runs/:run/jobs/:job/log', `/api/v1/runs/${run.id}/jobs/${jobId}/log`);
      expect(served.body).toBe(log);
    }
    // Rerun pairs name scenarios by their raw keys, as a caller has them.
    const pairs = CORPUS.map(([, v], i) => ({ scenario: keyOf(v, i), environment: 'flow' }));
    const rerun = await call('POST /api/v1/runs/:run/rerun', `/api/v1/runs/${run.id}/rerun`, { pairs });
    expect(rerun.status, JSON.stringify(rerun.body).slice(0, 300)).toBe(202);
    const rerunResults = (await call('GET /api/v1/runs/:run/results', `/api/v1/runs/${rerun.body.id}/results`)).body.items as unknown[];
    expect(rerunResults).toHaveLength(CORPUS.length);
    noServerErrors();
  });

  it('stores a job error holding every hostile string, and a 1 MiB log and output', async () => {
    await s.api('POST', '/api/v1/apply', { environments: { big: { labels: ['hostile-big'] } }, plans: { big: { framework: 'command', environments: ['big'], retries: 0 } } });
    const agent = await ProtocolAgent.register(s, ['hostile-big'], 4);
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const r = await agent.complete(discovery!, { outcome: 'completed', scenarios: [{ key: 'big.test.ts', file: 'big.test.ts', path: [], tags: [] }] });
    expect(r.status).toBe(200);
    const [job] = await agent.claim(1);
    const all = CORPUS.map(([, v]) => v).join('|');
    // 1 MiB of log in four chunks (a chunk holds at most 256 KiB), with the corpus in each.
    const chunk = (all + 'x'.repeat(MiB / 4)).slice(0, MiB / 4 - 1) + '\n';
    let offset = 0;
    for (let n = 0; n < 4; n++) {
      const res = await s.api('POST', `/api/agent/v1/jobs/${job!.job_id}/log`, { lease_token: job!.lease_token, offset, data: chunk }, { token: agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      offset = res.body.next_offset;
    }
    const output = (all + 'y'.repeat(MiB)).slice(0, MiB);
    const done = await agent.complete(job!, { outcome: 'errored', reason: 'crashed', retryable: false, error: `crash: ${all}`, output, exit_code: null });
    expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    const log = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`)).body as string;
    expect(log).toBe(expected(chunk).repeat(4));
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { id: number; error: string | null; attempts: { error: string | null }[] }[];
    const ended = jobs.find((j) => j.id === job!.job_id)!;
    expect(ended.error).toBe(expected(`crash: ${all}`));
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(result.message).toBe(expected(`crash: ${all}`));
    const attempt = await s.proctor.server.store.db.selectFrom('attempts').select('output').where('job_id', '=', job!.job_id).executeTakeFirstOrThrow();
    expect(attempt.output).toBe(expected(output));
    noServerErrors();
  });

  it('ends a run whose discovery failed with NULs in its error, the reason kept whole and escaped', async () => {
    const agent = await ProtocolAgent.register(s, ['hostile-big'], 1);
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const error = '\0'.repeat(300);
    const r = await agent.complete(discovery!, { outcome: 'errored', reason: 'crashed', retryable: false, error });
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    const ended = (await call('GET /api/v1/runs/:run', `/api/v1/runs/${run.id}`)).body;
    expect([ended.status, ended.result]).toEqual(['completed', 'aborted']);
    expect(ended.end_reason).toBe(expected(`discovery failed: ${error}`));
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { error: string }[];
    expect(jobs[0]!.error).toBe(expected(error));
    noServerErrors();
  });

  it('lets a user whose name fills its column cancel a run, the reason naming them whole', async () => {
    const name = `${'\0'.repeat(10)}${'n'.repeat(190)}`;
    const key = (await call('POST /api/v1/keys', '/api/v1/keys', { name: 'long-user', user: 'l'.repeat(200), authorities: ['PLAN_RUN', 'PLAN_READ'] })).body.token as string;
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big/runs', {})).body;
    const cancelled = await call('POST /api/v1/runs/:run/cancel', `/api/v1/runs/${run.id}/cancel`, undefined, { token: key });
    expect(cancelled.status, JSON.stringify(cancelled.body).slice(0, 300)).toBe(200);
    expect(cancelled.body.end_reason).toBe(`cancelled by ${'l'.repeat(200)}`);
    // A name with NUL: the 400 of PostgreSQL's varchar(200) once escaped, or stored by SQLite; never a 5xx.
    await call('POST /api/v1/keys', '/api/v1/keys', { name: 'nul-user', user: name, authorities: ['PLAN_READ'] });
    noServerErrors();
  });

  it('answers usage for a project named by every hostile string with a 404, never a 5xx', async () => {
    for (const [label, v] of CORPUS) {
      const r = await call('GET /api/v1/admin/usage', `/api/v1/admin/usage?project=${percent(v).text}`);
      expect([400, 404], `${label}: ${JSON.stringify(r.body).slice(0, 200)}`).toContain(r.status);
    }
    expect((await call('GET /api/v1/admin/usage', '/api/v1/admin/usage')).status).toBe(200);
    noServerErrors();
  });

  it('answers a name at its limit made only of NUL with a 2xx or a 4xx, never a 5xx', async () => {
    // Escaped, 200 NULs are 1,200 characters: PostgreSQL's varchar(200) refuses them (a 400), SQLite stores them.
    const r = await call('POST /api/v1/keys', '/api/v1/keys', { name: '\0'.repeat(200), authorities: ['PLAN_READ'] });
    if (dialect === 'postgres') expect(r.status).toBe(400);
    else expect(r.status).toBe(201);
    noServerErrors();
  });

  it('exercises every route that takes free text', () => {
    const missing = [...new Set(routes)].filter((r) => !NO_FREE_TEXT.has(r) && !hit.has(r));
    expect(missing, 'routes that take text but are not exercised here (or listed in NO_FREE_TEXT)').toEqual([]);
  });
});
