import { createHash } from 'node:crypto';
import { type TSchema, Type } from 'typebox';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { ENV_KEYS, FILE_KEYS, PLAN_KEYS, SELECTION_KEYS } from '../../src/domain/plan-file.js';
import { PROFILE_KEYS } from '../../src/domain/plan-profile.js';
import { describeEachDialect } from '../support/dialects.js';
import { ENVIRONMENT_SHAPE, PLAN_FILE_SHAPE, PLAN_SHAPE, PROFILE_SHAPE } from '../support/plan-document-shape.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { type RouteShape, routeOf, sentText, textFieldLimits, textFields } from '../support/text-fields.js';

/**
 * Hostile strings through every text field of every route that stores or looks up text. Nothing is
 * a 5xx, and what was stored reads back as it was sent, except NUL and lone surrogates, which read
 * back as their six-character escapes (`\u0000`, `\ud800`), the same on both dialects. A 1 MiB
 * text is a 4xx in a field with a limit, and kept whole (or, from an agent, capped keeping its end)
 * in a field without one.
 *
 * Every call is recorded by route and text field (`test/support/text-fields.ts` reads the fields
 * from each route's schemas: body, query and path), and the last test fails on a field that was not
 * sent every string of the corpus, and 1 MiB where its schema lets that through, unless `NOT_SENT`
 * or `NOT_BIG` says why.
 */
const C0 = `${Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')}\x7f`;
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
/** The label of a text of 1 MiB or more in the record of what each field was sent. */
const BIG = '1 MiB';
/** 1 MiB ending in the whole corpus, where a cap that keeps the end keeps it. */
const BIG_TEXT = (() => {
  const all = CORPUS.map(([, v]) => v).join('|');
  return 'z'.repeat(MiB - all.length) + all;
})();

/** Reads that start a run (Testinium's API is GET): their query's text is stored, and read back by its own test. */
const WRITES_ON_GET = new Set([
  'GET /Testinium.RestApi/api/plans/:plan/run',
  'GET /Testinium.RestApi/api/plans/:plan/run/:forceRun',
  'GET /Testinium.RestApi/api/plans/:plan/run/company/:companyId',
]);

/** Bodies the routes read by hand (a plan document), with the shape their text fields have. */
const DOCUMENT_BODIES: Record<string, TSchema> = {
  // A build by URL: `{ url, sha256 }`, read by `server/app-build-upload.ts` (the same route takes the file itself).
  'POST /api/v1/app-builds': Type.Object({ url: Type.String(), sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }) }),
  'POST /api/v1/apply': PLAN_FILE_SHAPE,
  'PUT /api/v1/plans/:plan': PLAN_SHAPE,
  'PUT /api/v1/environments/:environment': ENVIRONMENT_SHAPE,
};

/**
 * Text fields that are not sent the corpus here, each with the reason. Every other text field of
 * every route (read from its schema: `textFields`) must be sent every string of the corpus, or the
 * last test fails; an entry here that names no text field fails it too.
 */
const NOT_SENT = new Map<string, string>(
  ([] as [route: string, field: string, why: string][]).map(([route, field, why]) => [`${route} ${field}`, why]),
);

/**
 * Body fields without a limit of their own that are not sent 1 MiB, each with the reason; every other
 * is, or the last test fails.
 */
const NOT_BIG = new Map<string, string>(
  ([] as [route: string, field: string, why: string][]).map(([route, field, why]) => [`${route} ${field}`, why]),
);

describeEachDialect('hostile strings', (dialect) => {
  let s: TestServer;
  const routes: (RouteShape & { id: string })[] = [];
  /** `route field` → the labels of the corpus strings sent in it. */
  const sent = new Map<string, Set<string>>();
  const statuses: { what: string; status: number; body: unknown }[] = [];

  /** Notes which corpus strings a request carried in which text field of its route. */
  function record(method: string, path: string, body: unknown) {
    const route = routeOf(routes, method, path);
    if (!route) return;
    for (const [field, text] of sentText(route, path, body, DOCUMENT_BODIES[route.id])) {
      const key = `${route.id} ${field}`;
      const labels = CORPUS.filter(([, v]) => text.includes(v)).map(([label]) => label);
      if (text.length >= MiB) labels.push(BIG);
      if (labels.length === 0) continue;
      const seen = sent.get(key) ?? new Set();
      sent.set(key, seen);
      for (const label of labels) seen.add(label);
    }
  }

  beforeAll(async () => {
    s = await startTestServer(dialect, {
      // Bodies up to 16 MiB, so a 1 MiB text is answered by its field's own limit, not the body's (1 MiB by default).
      env: { PROCTOR_BODY_LIMIT: String(16 * MiB) },
      start: {
        onRoute: (r) => {
          for (const m of [r.method].flat())
            if (m !== 'HEAD' && m !== 'OPTIONS' && !r.url.startsWith('/api/docs'))
              routes.push({ id: `${m} ${r.url}`, method: m, url: r.url, schema: r.schema as RouteShape['schema'] });
        },
      },
    });
    // Every call through the test server's client counts, the protocol agent's too.
    const api = s.api;
    s.api = (method, path, body, o) => {
      record(method, path, body);
      return api(method, path, body, o);
    };
  }, 60_000);
  afterAll(() => s?.close());

  /** One call; every answer is recorded and checked for 5xx at the end of each test. */
  async function call(
    route: string,
    path: string,
    body?: unknown,
    opts: { token?: string; raw?: Buffer; type?: string; headers?: Record<string, string> } = {},
  ) {
    const method = route.split(' ')[0]!;
    expect(routeOf(routes, method, path)?.id, path).toBe(route);
    let r: { status: number; body: any };
    if (opts.raw) {
      record(method, path, undefined);
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}`,
          'content-type': opts.type ?? 'application/octet-stream',
          ...opts.headers,
        },
        body: opts.raw,
      });
      const text = await res.text();
      r = { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
    } else {
      r = await s.api(method, path, body, opts.token ? { token: opts.token } : {});
    }
    statuses.push({ what: `${route} ${path.slice(0, 120)}`, status: r.status, body: r.body });
    return r;
  }

  function noServerErrors() {
    const bad = statuses
      .filter((x) => x.status >= 500)
      .map((x) => `${x.what} → ${x.status} ${JSON.stringify(x.body).slice(0, 200)}`);
    statuses.length = 0;
    expect(bad).toEqual([]);
  }

  it('stores names, descriptions, trigger fields and agent fields as sent (NUL and lone surrogates escaped) and finds them by them', async () => {
    for (const [label, v] of CORPUS) {
      const want = expected(v);
      // API keys: name and owner.
      const key = await call('POST /api/v1/keys', '/api/v1/keys', {
        name: v,
        user: `u ${v}`,
        authorities: ['PLAN_READ'],
      });
      expect(key.status, label).toBe(201);
      const keys = (await call('GET /api/v1/keys', '/api/v1/keys')).body.items as {
        id: number;
        name: string;
        user: { name: string };
      }[];
      const stored = keys.find((k) => k.id === key.body.key.id)!;
      expect(stored.name, label).toBe(want);
      expect(stored.user.name, label).toBe(expected(`u ${v}`));
      // Registration tokens.
      const token = await call('POST /api/v1/agents/tokens', '/api/v1/agents/tokens', { name: v });
      expect(token.status, label).toBe(201);
      const tokens = (await call('GET /api/v1/agents/tokens', '/api/v1/agents/tokens')).body.items as {
        id: number;
        name: string;
      }[];
      expect(tokens.find((t) => t.id === token.body.token.id)?.name, label).toBe(want);
      // Projects that cannot exist (a project name is restricted), and a duration that is none: refused.
      const refused = [
        await call('POST /api/v1/keys', '/api/v1/keys', { name: 'k', authorities: ['PLAN_READ'], projects: [v] }),
        await call('POST /api/v1/agents/tokens', '/api/v1/agents/tokens', { name: 't', projects: [v] }),
        await call('POST /api/v1/agents/tokens', '/api/v1/agents/tokens', { name: 't', expires_in: v }),
      ];
      expect(
        refused.map((r) => r.status),
        label,
      ).toEqual([expect.any(Number), expect.any(Number), 400]);
      for (const r of refused)
        expect(r.status, `${label}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      // Webhook descriptions.
      const oddUrl = `https://hooks.example.com/in/${v}`;
      const odd = await call('POST /api/v1/webhooks', '/api/v1/webhooks?project=default', {
        url: oddUrl,
        description: v,
      });
      expect(odd.status, `${label}: ${JSON.stringify(odd.body).slice(0, 200)}`).toBeLessThan(500);
      // A URL the policy takes is stored as sent: what is shown is where deliveries go.
      if (odd.status === 201) {
        const listed = (await call('GET /api/v1/webhooks', '/api/v1/webhooks')).body.items as {
          id: number;
          url: string;
        }[];
        expect(listed.find((h) => h.id === odd.body.webhook.id)?.url, label).toBe(expected(oddUrl));
      } else expect(odd.status, label).toBe(400);
      const hook = await call('POST /api/v1/webhooks', '/api/v1/webhooks?project=default', {
        url: 'https://hooks.example.com/in',
        description: v,
      });
      expect(hook.status, label).toBe(201);
      const hooks = (await call('GET /api/v1/webhooks', '/api/v1/webhooks')).body.items as {
        id: number;
        description: string;
      }[];
      expect(hooks.find((h) => h.id === hook.body.webhook.id)?.description, label).toBe(want);
      // Agents: name and labels, and an environment that asks for that label is served.
      const agent = await call('POST /api/agent/v1/register', '/api/agent/v1/register', {
        name: v,
        labels: [v, 'plain'],
        slots: 1,
      });
      expect(agent.status, label).toBe(201);
      const agents = (await call('GET /api/v1/agents', '/api/v1/agents')).body.items as {
        id: number;
        name: string;
        labels: string[];
      }[];
      const a = agents.find((x) => x.id === agent.body.agent_id)!;
      expect(a.name, label).toBe(want);
      expect(a.labels, label).toContain(want);
    }
    noServerErrors();
  });

  it('stores plan and environment text through apply and PUT, and run trigger fields; query filters and path parameters find them', async () => {
    const plan = (_name: string, v: string) => ({
      description: v,
      framework: 'command',
      workdir: v,
      scenarios: { include: [v], exclude: [v], tags: [v], names: [v] },
      options: { command: v, discover: { list: v }, artifacts: [v] },
      environments: ['hostile-env'],
    });
    const envDef = (v: string) => ({
      platform: 'web',
      labels: [v],
      variables: { TEXT: v, OTHER: 'secret-value' },
      secrets: ['OTHER'],
    });
    for (const [i, [label, v]] of CORPUS.entries()) {
      const want = expected(v);
      const applied = await call('POST /api/v1/apply', '/api/v1/apply', {
        environments: { 'hostile-env': envDef(v) },
        plans: { [`hostile-${i}`]: plan(`hostile-${i}`, v) },
      });
      expect(applied.status, `${label}: ${JSON.stringify(applied.body).slice(0, 300)}`).toBe(200);
      const again = await call('POST /api/v1/apply', '/api/v1/apply', {
        environments: { 'hostile-env': envDef(v) },
        plans: { [`hostile-${i}`]: plan(`hostile-${i}`, v) },
      });
      expect(
        again.body.changes.map((c: { action: string }) => c.action),
        `${label}: applying the same file again changes nothing`,
      ).not.toContain('updated');
      const got = (await call('GET /api/v1/plans/:plan', `/api/v1/plans/hostile-${i}`)).body.definition;
      expect(
        [
          got.description,
          got.workdir,
          got.scenarios.include[0],
          got.scenarios.exclude[0],
          got.scenarios.tags[0],
          got.scenarios.names[0],
          got.options.command,
        ],
        label,
      ).toEqual(Array(7).fill(want));
      expect([got.options.discover, got.options.artifacts], label).toEqual([{ list: want }, [want]]);
      const env = (await call('GET /api/v1/environments/:environment', '/api/v1/environments/hostile-env')).body
        .definition;
      expect([env.labels[0], env.variables.TEXT], label).toEqual([want, want]);

      const put = await call('PUT /api/v1/plans/:plan', `/api/v1/plans/put-${i}`, plan(`put-${i}`, `put ${v}`));
      expect(put.status, label).toBe(200);
      expect(put.body.definition.description, label).toBe(expected(`put ${v}`));
      const putEnv = await call(
        'PUT /api/v1/environments/:environment',
        `/api/v1/environments/put-env-${i}`,
        envDef(`put ${v}`),
      );
      expect(putEnv.status, label).toBe(200);
      expect(putEnv.body.definition.variables.TEXT, label).toBe(expected(`put ${v}`));

      const run = await call('POST /api/v1/plans/:plan/runs', `/api/v1/plans/hostile-${i}/runs`, {
        build: v,
        branch: `b ${v}`,
        ref: `r${v}`,
        parameters: { P: v },
      });
      expect(run.status, `${label}: ${JSON.stringify(run.body).slice(0, 300)}`).toBe(202);
      expect(
        [run.body.trigger.build, run.body.trigger.branch, run.body.trigger.ref, run.body.trigger.parameters.P],
        label,
      ).toEqual([want, expected(`b ${v}`), expected(`r${v}`), want]);
      const { text: build, encodable } = percent(v);
      const byBuild = await call('GET /api/v1/runs', `/api/v1/runs?build=${build}`);
      expect(byBuild.status, label).toBeLessThan(500);
      // A lone surrogate cannot be sent in a URL (it is not UTF-8); the rest must find the run.
      if (encodable)
        expect(
          byBuild.body.items.map((r: { id: number }) => r.id),
          `${label}: ?build=`,
        ).toEqual([run.body.id]);
      const byBranch = await call(
        'GET /api/v1/runs',
        `/api/v1/runs?branch=${percent(`b ${v}`).text}&plan=hostile-${i}`,
      );
      if (encodable)
        expect(
          byBranch.body.items.map((r: { id: number }) => r.id),
          `${label}: ?branch=`,
        ).toEqual([run.body.id]);
      // Vendor: Testsigma's buildNo is the run's build.
      const ts = await call('POST /api/v1/execution_results', '/api/v1/execution_results', {
        executionId: run.body.plan.id,
        buildNo: `ts ${v}`,
      });
      expect(ts.status, label).toBeLessThan(300);
      const tsRun = (await call('GET /api/v1/runs/:run', `/api/v1/runs/${ts.body.id}`)).body;
      expect(tsRun.trigger.build, label).toBe(expected(`ts ${v}`));
      const tsDevices = await call('POST /api/v1/execution_results', '/api/v1/execution_results', {
        executionId: run.body.plan.id,
        uploadVersions: { [v]: 1 },
        environmentId: v,
      });
      expect(tsDevices.status, label).toBeGreaterThanOrEqual(400);
      const vendorView = await call('GET /api/v1/execution_results/:run', `/api/v1/execution_results/${ts.body.id}`);
      expect(vendorView.status, label).toBe(200);
      // Testsigma's runtimeData are the run's parameters, stored like the native ones.
      const tsData = await call('POST /api/v1/execution_results', '/api/v1/execution_results', {
        executionId: run.body.plan.id,
        runtimeData: { P: v },
        buildNo: 7,
      });
      expect(tsData.status, `${label}: ${JSON.stringify(tsData.body).slice(0, 200)}`).toBe(200);
      expect(
        (await call('GET /api/v1/runs/:run', `/api/v1/runs/${tsData.body.id}`)).body.trigger.parameters.P,
        label,
      ).toBe(want);
      const tsBadName = await call('POST /api/v1/execution_results', '/api/v1/execution_results', {
        executionId: run.body.plan.id,
        runtimeData: { [v]: v },
      });
      expect(tsBadName.status, label).toBe(400);
      // The same under Testsigma's newer name (its Jenkins plugin).
      const tpr = await call('POST /api/v1/test_plan_results', '/api/v1/test_plan_results', {
        testPlanId: String(run.body.plan.id),
        runtimeData: { P: v },
        buildNo: `tpr ${v}`,
      });
      expect(tpr.status, `${label}: ${JSON.stringify(tpr.body).slice(0, 200)}`).toBe(200);
      expect((await call('GET /api/v1/runs/:run', `/api/v1/runs/${tpr.body.id}`)).body.trigger, label).toMatchObject({
        build: expected(`tpr ${v}`),
        parameters: { P: want },
      });
      // Testinium's token endpoint: a password that is no API key is a 401 whatever it holds.
      const token = await call('POST /Testinium.RestApi/oauth/token', '/Testinium.RestApi/oauth/token', {
        grant_type: 'password',
        username: v,
        password: v,
        scope: v,
      });
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
        [
          'GET /Testinium.RestApi/api/plans/:plan/run/company/:companyId',
          `/Testinium.RestApi/api/plans/${p}/run/company/1`,
        ],
        [
          'POST /Testinium.RestApi/api/plans/:plan/run/company/:companyId',
          `/Testinium.RestApi/api/plans/${p}/run/company/1`,
        ],
        ['GET /Testinium.RestApi/api/plans/:plan/checkIsRunning', `/Testinium.RestApi/api/plans/${p}/checkIsRunning`],
        ['GET /Testinium.RestApi/api/plans/:plan/stop', `/Testinium.RestApi/api/plans/${p}/stop`],
        ['POST /Testinium.RestApi/api/plans/:plan/rerun', `/Testinium.RestApi/api/plans/${p}/rerun`],
        ['GET /Testinium.RestApi/api/plans/:plan', `/Testinium.RestApi/api/plans/${p}`],
        ['GET /Testinium.RestApi/api/plans/:plan/active', `/Testinium.RestApi/api/plans/${p}/active`],
        [
          'PUT /Testinium.RestApi/api/plans/:plan/setAndroidMobileApp/:mobileAppId',
          `/Testinium.RestApi/api/plans/${p}/setAndroidMobileApp/1`,
        ],
        [
          'PUT /Testinium.RestApi/api/plans/:plan/setIosMobileApp/:mobileAppId',
          `/Testinium.RestApi/api/plans/${p}/setIosMobileApp/1`,
        ],
        ['GET /Testinium.RestApi/api/plans/:plan/testExecutions', `/Testinium.RestApi/api/plans/${p}/testExecutions`],
        ['GET /Testinium.RestApi/api/projects/:project', `/Testinium.RestApi/api/projects/${p}`],
        ['POST /Testinium.RestApi/api/file/project/:project', `/Testinium.RestApi/api/file/project/${p}`],
        ['GET /Testinium.RestApi/api/projects/:project/active', `/Testinium.RestApi/api/projects/${p}/active`],
        [
          'GET /Testinium.RestApi/api/projects/:project/plans/active',
          `/Testinium.RestApi/api/projects/${p}/plans/active`,
        ],
        ['GET /Testinium.RestApi/api/testExecutions/:execId', `/Testinium.RestApi/api/testExecutions/${p}`],
        [
          'GET /Testinium.RestApi/api/testExecutions/:execId/company/:companyId',
          `/Testinium.RestApi/api/testExecutions/${p}/company/1`,
        ],
        [
          'GET /Testinium.RestApi/api/testResults/executionId/:execId/pages/:page',
          `/Testinium.RestApi/api/testResults/executionId/${p}/pages/1`,
        ],
        ['GET /api/v1/projects/:project/callback-secret', `/api/v1/projects/${p}/callback-secret`],
        ['POST /api/v1/projects/:project/callback-secret/rotate', `/api/v1/projects/${p}/callback-secret/rotate`],
        ...(['/v1', '/api/v1'] as const).flatMap(
          (pre) =>
            [
              [`POST ${pre}/groups/webhook/:webhookId/:secret`, `${pre}/groups/webhook/${p}/${ADMIN_TOKEN}`],
              [`POST ${pre}/groups/:groupId/runs`, `${pre}/groups/${p}/runs`],
              [`POST ${pre}/projects/:projectId/mobile/upload`, `${pre}/projects/${p}/mobile/upload`],
              [`POST ${pre}/projects/:projectId/mobile/upload/confirm`, `${pre}/projects/${p}/mobile/upload/confirm`],
              [`DELETE ${pre}/projects/:projectId/mobile/:appId`, `${pre}/projects/${p}/mobile/${p}`],
              [
                `PUT ${pre}/projects/:projectId/mobile/uploads/:uuid`,
                `${pre}/projects/${p}/mobile/uploads/00000000-0000-4000-8000-000000000000?grant=${p}`,
              ],
            ] as const,
        ),
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
      const triggerBad = await call('POST /api/v1/plans/:plan/runs', `/api/v1/plans/hostile-${i}/runs`, {
        environments: [v],
        profile: v,
        scenarios: [v],
        app_builds: { [v]: 1 },
      });
      expect(triggerBad.status, label).toBe(400);
      // TesterArmy's group webhook: the commit as the run's build, the target URL as a parameter.
      const planUuid = (await call('GET /api/v1/plans/:plan', `/api/v1/plans/${run.body.plan.id}`)).body.uuid;
      const hook = await call(
        'POST /v1/groups/webhook/:webhookId/:secret',
        `/v1/groups/webhook/${planUuid}/${ADMIN_TOKEN}`,
        { commitSha: v, targetUrl: v },
      );
      expect(hook.status, label).toBe(202);
      const hooked = await call('GET /api/v1/runs/:run', `/api/v1/runs/${hook.body.runId}`);
      expect(hooked.body.trigger.build, label).toBe(want);
      expect(hooked.body.trigger.parameters.TARGET_URL, label).toBe(want);
      const callback = await call(
        'GET /Testinium.RestApi/api/plans/:plan/run',
        `/Testinium.RestApi/api/plans/${run.body.plan.id}/run?callbackUrl=${percent(`https://ci.example.com/${v}`).text}`,
      );
      expect(callback.status, label).toBeLessThan(500);
    }
    for (const path of [
      '/api/v1/plans/%00',
      '/api/v1/plans/a%00b/history',
      '/api/v1/runs/%00',
      '/api/v1/runs?build=%00',
      '/api/v1/environments/%00?project=%00',
      '/%00',
      '/api/v1/%00',
    ]) {
      const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      statuses.push({ what: path, status: r.status, body: await r.text() });
    }
    noServerErrors();
  });

  it('stores app build names and versions, uploaded and registered by URL', async () => {
    for (const [i, [label, v]] of CORPUS.entries()) {
      const version = percent(`1.0 ${v}`);
      const up = await call(
        'POST /api/v1/app-builds',
        `/api/v1/app-builds?name=hostile-app&version=${version.text}`,
        undefined,
        { raw: Buffer.from(`app ${label}`) },
      );
      expect(up.status, `${label}: ${JSON.stringify(up.body).slice(0, 200)}`).toBeLessThan(500);
      if (version.encodable) expect(up.body.version, label).toBe(expected(`1.0 ${v}`));
      // A URL is stored as the URL standard writes it (what the agent will fetch), or refused.
      const url = `https://builds.example.com/${v}.apk`;
      const byUrl = await call('POST /api/v1/app-builds', `/api/v1/app-builds?name=hostile-url&version=${i}`, { url });
      if (byUrl.status === 201) {
        const listed = (await call('GET /api/v1/app-builds', '/api/v1/app-builds?name=hostile-url&limit=500')).body
          .items as { id: number; url: string }[];
        expect(listed.find((b) => b.id === byUrl.body.id)?.url, label).toBe(new URL(url).href);
        expect(byUrl.body.url, label).toBe(new URL(url).href);
      } else expect(byUrl.status, `${label}: ${JSON.stringify(byUrl.body).slice(0, 200)}`).toBe(400);
      // Names are restricted: a filter by a name that cannot exist finds nothing.
      const named = await call('GET /api/v1/app-builds', `/api/v1/app-builds?name=${percent(v).text}`);
      if (named.status === 200) expect(named.body.items, label).toEqual([]);
      else expect(named.status, label).toBe(400);
      // TesterArmy's upload: the file name is reduced to a name agents can use.
      const ta = await call('POST /v1/projects/:projectId/mobile/upload', '/v1/projects/default/mobile/upload', {
        filename: v,
        fileSize: 3,
      });
      expect(ta.status, label).toBe(200);
      const upload = new URL(ta.body.uploadUrl);
      const put = await call(
        'PUT /v1/projects/:projectId/mobile/uploads/:uuid',
        `${upload.pathname}${upload.search}`,
        undefined,
        {
          raw: Buffer.from('abc'),
        },
      );
      expect(put.status, label).toBe(200);
      const confirmed = await call(
        'POST /v1/projects/:projectId/mobile/upload/confirm',
        '/v1/projects/default/mobile/upload/confirm',
        { storageKey: ta.body.storageKey, filename: v, fileSize: 3 },
      );
      expect(confirmed.status, label).toBe(201);
      expect(confirmed.body.app.filename, label).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
      // Testinium's multipart upload: the client's file name becomes one agents can save.
      const form = Buffer.concat([
        Buffer.from('--b\r\nContent-Disposition: form-data; name="files"; filename="'),
        Buffer.from(`${v}.apk`),
        Buffer.from('"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--b--\r\n'),
      ]);
      const multipart = await call(
        'POST /Testinium.RestApi/api/file/project/:project',
        '/Testinium.RestApi/api/file/project/default',
        undefined,
        { raw: form, type: 'multipart/form-data; boundary=b' },
      );
      expect(multipart.status, `${label}: ${JSON.stringify(multipart.body).slice(0, 200)}`).toBeLessThan(500);
      // The answer is a list (`[{…}]`), which `call` leaves as text.
      if (multipart.status === 200)
        expect(JSON.parse(multipart.body)[0].mobile_app_name, label).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.apk$/);
    }
    const list = (await call('GET /api/v1/app-builds', '/api/v1/app-builds?name=hostile-app')).body.items as {
      version: string;
    }[];
    for (const [label, v] of CORPUS)
      if (percent(v).encodable)
        expect(
          list.map((b) => b.version),
          label,
        ).toContain(expected(`1.0 ${v}`));
    noServerErrors();
  });

  it('stores what an agent reports: discovered scenarios, log chunks, completion errors, output and results, and reruns by key', async () => {
    const flow = { framework: 'command', environments: ['flow'], max_parallel: 1000, retries: 0 };
    // The label holds NUL and a lone surrogate: the agent that registers with it serves the environment.
    const label = 'hostile\0flow\ud800';
    await call('POST /api/v1/apply', '/api/v1/apply', { environments: { flow: { labels: [label] } }, plans: { flow } });
    const agent = await ProtocolAgent.register(s, [label], 64);
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/flow/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const keyOf = (v: string, i: number) => `hostile.test.ts > ${i} ${v}`;
    // Each scenario in a file named with its string: the file is what jobs are batched by, and shown.
    const fileOf = (v: string, i: number) => `tests/${i} ${v}.test.ts`;
    const scenarios = CORPUS.map(([, v], i) => ({
      key: keyOf(v, i),
      file: fileOf(v, i),
      path: [`${i} ${v}`],
      tags: [v],
    }));
    const discovered = await agent.complete(discovery!, { outcome: 'completed', scenarios });
    expect(discovered.status, JSON.stringify(discovered.body).slice(0, 300)).toBe(200);
    const jobs: ClaimedJob[] = [];
    for (let round = 0; round < 20 && jobs.flatMap((j) => j.scenarios).length < CORPUS.length; round++)
      jobs.push(...(await agent.claim(64)));
    const beat = await call(
      'POST /api/agent/v1/heartbeat',
      '/api/agent/v1/heartbeat',
      {
        jobs: [
          ...jobs.map((j) => ({ job_id: j.job_id, lease_token: j.lease_token })),
          ...CORPUS.map(([, v]) => ({ job_id: jobs[0]!.job_id, lease_token: v })),
        ],
      },
      { token: agent.token },
    );
    expect(beat.status).toBe(200);
    const claimedKeys = jobs.flatMap((j) => j.scenarios.map((x) => x.key)).sort();
    expect(claimedKeys).toEqual(CORPUS.map(([, v], i) => expected(keyOf(v, i))).sort());
    const rawOf = new Map(CORPUS.map(([, v], i) => [expected(keyOf(v, i)), { v, i }]));
    const logOf = new Map<number, string>();
    const bytes = Buffer.from('artifact of a hostile scenario');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const uploaded = new Map<number, { i: number; contentType: string; linked: boolean }>();
    for (const job of jobs) {
      let offset = 0;
      let log = '';
      for (const x of job.scenarios) {
        const { v } = rawOf.get(x.key)!;
        const r = await call(
          'POST /api/agent/v1/jobs/:job/log',
          `/api/agent/v1/jobs/${job.job_id}/log`,
          { lease_token: job.lease_token, offset, data: `[${v}]` },
          { token: agent.token },
        );
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        offset = r.body.next_offset;
        log += expected(`[${v}]`);
      }
      logOf.set(job.job_id, log);
      // A file for each scenario, named by its raw key, with the string in its media type too. A
      // key with a lone surrogate cannot travel in a URL (no UTF-8 has one): sent anyway it names no
      // scenario, and the agent sends it as stored (its escape written out), which names it.
      for (const x of job.scenarios) {
        const { v, i } = rawOf.get(x.key)!;
        const contentType = i % 2 === 0 ? v : `text/plain; note="${v}"`;
        const raw = percent(keyOf(v, i));
        const forms = raw.encodable ? [raw.text] : [raw.text, percent(expected(keyOf(v, i))).text];
        for (const [n, scenario] of forms.entries()) {
          const up = await call(
            'PUT /api/agent/v1/jobs/:job/artifacts',
            `/api/agent/v1/jobs/${job.job_id}/artifacts?name=a${i}-${n}.txt&sha256=${sha}&scenario=${scenario}&content_type=${percent(contentType).text}`,
            undefined,
            { token: agent.token, raw: bytes, headers: { 'x-lease-token': job.lease_token } },
          );
          expect(up.status, `${CORPUS[i]![0]}: ${JSON.stringify(up.body).slice(0, 200)}`).toBe(201);
          uploaded.set(up.body.id, { i, contentType, linked: raw.encodable || n === 1 });
        }
      }
      const results = job.scenarios.map((x) => {
        const { v, i } = rawOf.get(x.key)!;
        // The agent names the scenario as its framework does: the raw key, not the stored one.
        return {
          key: keyOf(v, i),
          file: fileOf(v, i),
          path: [`${i} ${v}`],
          outcome: 'failed' as const,
          durationMs: 1,
          message: `m ${v}`,
          stack: `s ${v}`,
          stdout: `o ${v}`,
          stderr: `e ${v}`,
          // The files a report lists are the agent's to upload; the server keeps none of this list.
          artifacts: [{ path: `p ${v}`, name: `n ${v}`, contentType: `c ${v}` }],
        };
      });
      const done = await agent.complete(job, {
        outcome: 'completed',
        exit_code: 1,
        results,
        output: `out ${job.scenarios.map((x) => rawOf.get(x.key)!.v).join('|')}`,
      });
      expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    }
    const rows = (await call('GET /api/v1/runs/:run/results', `/api/v1/runs/${run.id}/results`)).body.items as {
      status: string;
      scenario: { id: number; key: string; file: string; path: string[] };
      message: string;
      stack: string;
      stdout: string;
      stderr: string;
    }[];
    expect(rows).toHaveLength(CORPUS.length);
    for (const row of rows) {
      const { v, i } = rawOf.get(row.scenario.key)!;
      const label = CORPUS[i]![0];
      expect(row.status, label).toBe('failed');
      expect([row.message, row.stack, row.stdout, row.stderr], label).toEqual([
        expected(`m ${v}`),
        expected(`s ${v}`),
        expected(`o ${v}`),
        expected(`e ${v}`),
      ]);
      expect(row.scenario.path, label).toEqual([expected(`${i} ${v}`)]);
      expect(row.scenario.file, label).toBe(expected(fileOf(v, i)));
    }
    // Each file belongs to the scenario its raw key named; a media type that is none is stored as bytes.
    const scenarioOf = new Map(rows.map((r) => [rawOf.get(r.scenario.key)!.i, r.scenario.id]));
    const artifacts = (await call('GET /api/v1/runs/:run/artifacts', `/api/v1/runs/${run.id}/artifacts`)).body
      .items as {
      id: number;
      scenario_id: number | null;
      content_type: string;
    }[];
    expect(artifacts).toHaveLength(uploaded.size);
    for (const a of artifacts) {
      const { i, contentType, linked } = uploaded.get(a.id)!;
      expect(a.scenario_id, CORPUS[i]![0]).toBe(linked ? scenarioOf.get(i) : null);
      expect(['application/octet-stream', contentType], `${CORPUS[i]![0]}: ${a.content_type}`).toContain(
        a.content_type,
      );
    }
    for (const [jobId, log] of logOf) {
      const served = await call('GET /api/v1/runs/:run/jobs/:job/log', `/api/v1/runs/${run.id}/jobs/${jobId}/log`);
      expect(served.body).toBe(log);
    }
    // A lease token that is none of the agent's writes nothing and ends nothing.
    const other = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/flow/runs', {})).body;
    const [open] = await agent.claim(1);
    expect(open!.run_id).toBe(other.id);
    for (const [label, v] of CORPUS) {
      const log = await call(
        'POST /api/agent/v1/jobs/:job/log',
        `/api/agent/v1/jobs/${open!.job_id}/log`,
        { lease_token: v, offset: 0, data: 'x' },
        { token: agent.token },
      );
      const done = await call(
        'POST /api/agent/v1/jobs/:job/complete',
        `/api/agent/v1/jobs/${open!.job_id}/complete`,
        { lease_token: v, outcome: 'completed', scenarios: [] },
        { token: agent.token },
      );
      expect([log.status, done.status], label).toEqual([409, 409]);
    }
    const stillOpen = (await call('GET /api/v1/runs/:run/jobs', `/api/v1/runs/${other.id}/jobs`)).body.items as {
      status: string;
    }[];
    expect(stillOpen.map((j) => j.status)).toEqual(['running']);
    await agent.complete(open!, { outcome: 'completed', scenarios: [] });
    // Rerun pairs name scenarios by their raw keys, as a caller has them.
    const pairs = CORPUS.map(([, v], i) => ({ scenario: keyOf(v, i), environment: 'flow' }));
    // An environment no plan has: refused, naming it.
    for (const [label, v] of CORPUS) {
      const r = await call('POST /api/v1/runs/:run/rerun', `/api/v1/runs/${run.id}/rerun`, {
        pairs: [{ scenario: keyOf(v, 0), environment: v }],
      });
      expect(r.status, `${label}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    }
    const rerun = await call('POST /api/v1/runs/:run/rerun', `/api/v1/runs/${run.id}/rerun`, { pairs });
    expect(rerun.status, JSON.stringify(rerun.body).slice(0, 300)).toBe(202);
    const rerunResults = (await call('GET /api/v1/runs/:run/results', `/api/v1/runs/${rerun.body.id}/results`)).body
      .items as unknown[];
    expect(rerunResults).toHaveLength(CORPUS.length);
    noServerErrors();
  });

  it('stores a job error holding every hostile string, and a 1 MiB log and output', async () => {
    await s.api('POST', '/api/v1/apply', {
      environments: { big: { labels: ['hostile-big'] } },
      plans: { big: { framework: 'command', environments: ['big'], retries: 0 } },
    });
    const agent = await ProtocolAgent.register(s, ['hostile-big'], 4);
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const r = await agent.complete(discovery!, {
      outcome: 'completed',
      scenarios: [{ key: 'big.test.ts', file: 'big.test.ts', path: [], tags: [] }],
    });
    expect(r.status).toBe(200);
    const [job] = await agent.claim(1);
    const all = CORPUS.map(([, v]) => v).join('|');
    // 1 MiB of log in four chunks (a chunk holds at most 256 KiB), with the corpus in each.
    const chunk = `${(all + 'x'.repeat(MiB / 4)).slice(0, MiB / 4 - 1)}\n`;
    let offset = 0;
    for (let n = 0; n < 4; n++) {
      const res = await s.api(
        'POST',
        `/api/agent/v1/jobs/${job!.job_id}/log`,
        { lease_token: job!.lease_token, offset, data: chunk },
        { token: agent.token },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      offset = res.body.next_offset;
    }
    const output = (all + 'y'.repeat(MiB)).slice(0, MiB);
    const done = await agent.complete(job!, {
      outcome: 'errored',
      reason: 'crashed',
      retryable: false,
      error: `crash: ${all}`,
      output,
      exit_code: null,
    });
    expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    const log = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`)).body as string;
    expect(log).toBe(expected(chunk).repeat(4));
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
      error: string | null;
      attempts: { error: string | null }[];
    }[];
    const ended = jobs.find((j) => j.id === job!.job_id)!;
    expect(ended.error).toBe(expected(`crash: ${all}`));
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(result.message).toBe(expected(`crash: ${all}`));
    const attempt = await s.proctor.server.store.db
      .selectFrom('attempts')
      .select('output')
      .where('job_id', '=', job!.job_id)
      .executeTakeFirstOrThrow();
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
    const key = (
      await call('POST /api/v1/keys', '/api/v1/keys', {
        name: 'long-user',
        user: 'l'.repeat(200),
        authorities: ['PLAN_RUN', 'PLAN_READ'],
      })
    ).body.token as string;
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big/runs', {})).body;
    const cancelled = await call('POST /api/v1/runs/:run/cancel', `/api/v1/runs/${run.id}/cancel`, undefined, {
      token: key,
    });
    expect(cancelled.status, JSON.stringify(cancelled.body).slice(0, 300)).toBe(200);
    expect(cancelled.body.end_reason).toBe(`cancelled by ${'l'.repeat(200)}`);
    // A name with NUL is stored escaped, 250 characters, on both dialects.
    const nulUser = await call('POST /api/v1/keys', '/api/v1/keys', {
      name: 'nul-user',
      user: name,
      authorities: ['PLAN_READ'],
    });
    expect(nulUser.status).toBe(201);
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

  it('stores text at its limit made only of NUL or lone surrogates alike on both dialects, escaped (six times as long)', async () => {
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'at-limit': { labels: ['at-limit'] } },
      plans: { 'at-limit': { framework: 'command', environments: ['at-limit'] } },
    });
    const nul = (n: number) => '\0'.repeat(n);
    const lone = (n: number) => '\ud800'.repeat(n);
    const key = await call('POST /api/v1/keys', '/api/v1/keys', {
      name: nul(200),
      user: lone(200),
      authorities: ['PLAN_READ'],
    });
    const token = await call('POST /api/v1/agents/tokens', '/api/v1/agents/tokens', { name: lone(200) });
    const hook = await call('POST /api/v1/webhooks', '/api/v1/webhooks?project=default', {
      url: 'https://hooks.example.com/in',
      description: nul(500),
    });
    const agent = await call('POST /api/agent/v1/register', '/api/agent/v1/register', {
      name: nul(200),
      labels: ['at-limit'],
      slots: 1,
    });
    const run = await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/at-limit/runs', {
      build: nul(200),
      branch: lone(300),
    });
    // A lone surrogate cannot be sent in a URL: NUL fills the version.
    const build = await call(
      'POST /api/v1/app-builds',
      `/api/v1/app-builds?name=at-limit&version=${'%00'.repeat(100)}`,
      undefined,
      { raw: Buffer.from('app at its limit') },
    );
    // Every field answers, before any is read back: a field that differs by dialect shows with the others.
    expect({
      key: key.status,
      token: token.status,
      hook: hook.status,
      agent: agent.status,
      run: run.status,
      build: build.status,
    }).toEqual({ key: 201, token: 201, hook: 201, agent: 201, run: 202, build: 201 });
    const keys = (await call('GET /api/v1/keys', '/api/v1/keys')).body.items as {
      id: number;
      name: string;
      user: { name: string };
    }[];
    const stored = keys.find((k) => k.id === key.body.key.id)!;
    expect([stored.name, stored.user.name]).toEqual([expected(nul(200)), expected(lone(200))]);
    const tokens = (await call('GET /api/v1/agents/tokens', '/api/v1/agents/tokens')).body.items as {
      id: number;
      name: string;
    }[];
    expect(tokens.find((t) => t.id === token.body.token.id)?.name).toBe(expected(lone(200)));
    const hooks = (await call('GET /api/v1/webhooks', '/api/v1/webhooks')).body.items as {
      id: number;
      description: string;
    }[];
    expect(hooks.find((h) => h.id === hook.body.webhook.id)?.description).toBe(expected(nul(500)));
    const agents = (await call('GET /api/v1/agents', '/api/v1/agents')).body.items as { id: number; name: string }[];
    expect(agents.find((a) => a.id === agent.body.agent_id)?.name).toBe(expected(nul(200)));
    expect([run.body.trigger.build, run.body.trigger.branch]).toEqual([expected(nul(200)), expected(lone(300))]);
    const found = await call('GET /api/v1/runs', `/api/v1/runs?build=${'%00'.repeat(200)}`);
    expect(found.body.items.map((r: { id: number }) => r.id)).toEqual([run.body.id]);
    expect(build.body.version).toBe(expected(nul(100)));
    // One character more is refused by the API's own limit, on both dialects.
    const over = await call('POST /api/v1/keys', '/api/v1/keys', { name: nul(201), authorities: ['PLAN_READ'] });
    expect(over.status).toBe(400);
    // A project is made by the first write that names it: its name follows the rule of a plan file's `project`, on both dialects.
    const projects: [route: string, path: string, body: unknown][] = [
      ['PUT /api/v1/environments/:environment', `/api/v1/environments/at-limit-env?project=${'%00'.repeat(100)}`, {}],
      [
        'PUT /api/v1/environments/:environment',
        `/api/v1/environments/at-limit-env?project=${percent('rtl\u202Etxt.exe').text}`,
        {},
      ],
      [
        'POST /api/v1/webhooks',
        `/api/v1/webhooks?project=${percent('ctl\x01').text}`,
        { url: 'https://hooks.example.com/in' },
      ],
    ];
    const made = [];
    for (const [route, path, body] of projects) made.push((await call(route, path, body)).status);
    expect(made).toEqual([400, 400, 400]);
    expect(
      ((await call('GET /api/v1/projects', '/api/v1/projects')).body.items as { name: string }[]).map((p) => p.name),
    ).toEqual(['default']);
    noServerErrors();
  });

  it('answers 1 MiB in a field with a limit with a 4xx, and stores it whole in a field without one', async () => {
    const all = CORPUS.map(([, v]) => v).join('|');
    // The corpus at the end, where a cap that keeps the end keeps it.
    const big = 'z'.repeat(MiB - all.length) + all;
    expect(big.length).toBe(MiB);
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'big-text': { labels: ['big-text'] } },
      plans: { 'big-text': { framework: 'command', environments: ['big-text'] } },
    });
    const bigPlan = (await call('GET /api/v1/plans/:plan', '/api/v1/plans/big-text')).body as {
      id: number;
      uuid: string;
    };
    const [planId, planUuid] = [bigPlan.id, bigPlan.uuid];
    const limited: [route: string, path: string, body: unknown][] = [
      ['POST /api/v1/keys', '/api/v1/keys', { name: big, authorities: ['PLAN_READ'] }],
      ['POST /api/v1/keys', '/api/v1/keys', { name: 'big-user', user: big, authorities: ['PLAN_READ'] }],
      ['POST /api/v1/agents/tokens', '/api/v1/agents/tokens', { name: big }],
      [
        'POST /api/v1/webhooks',
        '/api/v1/webhooks?project=default',
        { url: 'https://hooks.example.com/in', description: big },
      ],
      ['POST /api/v1/webhooks', '/api/v1/webhooks?project=default', { url: `https://hooks.example.com/${big}` }],
      ['POST /api/agent/v1/register', '/api/agent/v1/register', { name: big, labels: ['big-text'], slots: 1 }],
      ['POST /api/agent/v1/register', '/api/agent/v1/register', { name: 'big', labels: [big], slots: 1 }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { build: big }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { branch: big }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { ref: big }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { parameters: { P: big } }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { profile: big }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { environments: [big] }],
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { scenarios: [big] }],
      // Read by hand: the route holds a URL to 2,000 characters itself.
      [
        'POST /api/v1/app-builds',
        '/api/v1/app-builds?name=big-url&version=1',
        { url: `https://builds.example.com/${big}` },
      ],
      // A record's names are not held to a length by the schema: the route refuses them itself.
      ['POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-text/runs', { app_builds: { [big]: 1 } }],
      [
        'POST /api/v1/execution_results',
        '/api/v1/execution_results',
        { executionId: planId, uploadVersions: { [big]: 1 } },
      ],
      [
        'POST /api/v1/execution_results',
        '/api/v1/execution_results',
        { executionId: planId, runtimeData: { [big]: 'x' } },
      ],
      ['POST /api/v1/test_plan_results', '/api/v1/test_plan_results', { testPlanId: planId, buildNo: big }],
      ['POST /api/v1/test_plan_results', '/api/v1/test_plan_results', { testPlanId: planId, runtimeData: { P: big } }],
      [
        'POST /api/v1/test_plan_results',
        '/api/v1/test_plan_results',
        { testPlanId: planId, uploadVersions: { [big]: 1 } },
      ],
      [
        'POST /api/v1/test_plan_results',
        '/api/v1/test_plan_results',
        { testPlanId: planId, runtimeData: { [big]: 'x' } },
      ],
      [
        'POST /api/v1/plans/:plan/runs',
        '/api/v1/plans/big-text/runs',
        { callback_url: `https://ci.example.com/${big}` },
      ],
      ['POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: planId, buildNo: big }],
      ['POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: planId, runtimeData: { P: big } }],
      [
        'POST /Testinium.RestApi/oauth/token',
        '/Testinium.RestApi/oauth/token',
        { grant_type: 'password', username: big, password: big },
      ],
      [
        'POST /api/v1/apply',
        '/api/v1/apply',
        {
          environments: { 'big-text': { labels: ['big-text'] } },
          plans: { [big]: { framework: 'command', environments: ['big-text'] } },
        },
      ],
      ['POST /api/v1/apply', '/api/v1/apply', { environments: { [big]: {} }, plans: {} }],
    ];
    const answers = [];
    for (const [route, path, body] of limited)
      answers.push(`${route} ${JSON.stringify(body).slice(0, 60)} → ${(await call(route, path, body)).status}`);
    expect(
      answers.filter((a) => !/→ 4\d\d$/.test(a)),
      'fields with a limit that did not answer 4xx',
    ).toEqual([]);
    // Fields the routes take and ignore (a saved Testsigma configuration, Testinium's framework type): never a 5xx.
    for (const [route, path, body] of [
      ['POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: planId, executionConfig: big }],
      [
        'POST /api/v1/test_plan_results',
        '/api/v1/test_plan_results',
        { testPlanId: planId, executionConfig: { [big]: big } },
      ],
      ['POST /queue', '/queue', { planId, userId: 1, frameworkType: big }],
      // A UUID by its format, which the validator does not check: no app build has it.
      ['POST /v1/tests/:testId/runs', `/v1/tests/${planUuid}/runs`, { appId: big }],
      ['POST /api/v1/tests/:testId/runs', `/api/v1/tests/${planUuid}/runs`, { appId: big }],
      ['POST /queue/rerun', '/queue/rerun', { planId, userId: 1, frameworkType: { [big]: [big] } }],
    ] as const)
      expect((await call(route, path, body)).status, route).toBeLessThan(500);
    // Query and path parameters: a 1 MiB URL is past Node's header limit (16 KiB), refused before any route.
    const url = await fetch(`${s.url}/api/v1/runs?build=${'b'.repeat(MiB)}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(url.status).toBe(431);

    // A plan's and an environment's text have no limit but the body's: stored whole, escapes and all.
    const want = expected(big);
    const plan = {
      description: big,
      framework: 'command',
      workdir: big,
      scenarios: { include: [big], tags: [big] },
      options: { command: big },
      environments: ['big-text'],
    };
    const put = await call('PUT /api/v1/plans/:plan', '/api/v1/plans/big-plan', plan);
    expect(put.status, JSON.stringify(put.body).slice(0, 300)).toBe(200);
    const got = (await call('GET /api/v1/plans/:plan', '/api/v1/plans/big-plan')).body.definition;
    expect(
      [got.description, got.workdir, got.scenarios.include[0], got.scenarios.tags[0], got.options.command].map(
        (t: string) => t === want,
      ),
    ).toEqual([true, true, true, true, true]);
    const env = await call('PUT /api/v1/environments/:environment', '/api/v1/environments/big-env', {
      labels: ['big-text'],
      variables: { TEXT: big },
    });
    expect(env.status, JSON.stringify(env.body).slice(0, 300)).toBe(200);
    expect(
      (await call('GET /api/v1/environments/:environment', '/api/v1/environments/big-env')).body.definition.variables
        .TEXT === want,
    ).toBe(true);
    noServerErrors();
  });

  it('takes 1 MiB in every text an agent reports: a log chunk over its limit is a 4xx, capped text keeps its end behind a marker, the output is kept whole', async () => {
    const all = CORPUS.map(([, v]) => v).join('|');
    const big = 'z'.repeat(MiB - all.length) + all;
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'big-report': { labels: ['big-report'] } },
      plans: { 'big-report': { framework: 'command', environments: ['big-report'], retries: 0 } },
    });
    const agent = await ProtocolAgent.register(s, ['big-report'], 4);
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-report/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const found = await agent.complete(discovery!, {
      outcome: 'completed',
      scenarios: [{ key: big, file: big, path: [big], tags: [big] }],
    });
    expect(found.status, JSON.stringify(found.body).slice(0, 300)).toBe(200);
    const [job] = await agent.claim(1);
    const log = await call(
      'POST /api/agent/v1/jobs/:job/log',
      `/api/agent/v1/jobs/${job!.job_id}/log`,
      { lease_token: job!.lease_token, offset: 0, data: big },
      { token: agent.token },
    );
    expect(log.status).toBe(400);
    const beat = await call(
      'POST /api/agent/v1/heartbeat',
      '/api/agent/v1/heartbeat',
      { jobs: [{ job_id: job!.job_id, lease_token: big }] },
      { token: agent.token },
    );
    expect(beat.status).toBe(400);
    const wrongToken = await call(
      'POST /api/agent/v1/jobs/:job/complete',
      `/api/agent/v1/jobs/${job!.job_id}/complete`,
      { lease_token: big, outcome: 'completed' },
      { token: agent.token },
    );
    const wrongLog = await call(
      'POST /api/agent/v1/jobs/:job/log',
      `/api/agent/v1/jobs/${job!.job_id}/log`,
      { lease_token: big, offset: 0, data: 'x' },
      { token: agent.token },
    );
    expect([wrongToken.status, wrongLog.status]).toEqual([400, 400]);
    const key = job!.scenarios[0]!.key;
    const report = {
      key: big,
      file: big,
      path: [big],
      // A listed file is the agent's to upload: the server keeps nothing of the list.
      artifacts: [{ path: big, name: big, contentType: big }],
      outcome: 'failed' as const,
      durationMs: 1,
      message: big,
      stack: big,
      stdout: big,
      stderr: big,
    };
    const done = await agent.complete(job!, { outcome: 'completed', exit_code: 1, results: [report], output: big });
    expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    /** `text` cut to `cap` characters as sent, keeping its end behind a marker that says how many were dropped. */
    const keptEnd = (stored: string, cap: number) => {
      const dropped = Number(/^…\[(\d+) characters truncated\]…\n/.exec(stored)?.[1]);
      expect(dropped, stored.slice(0, 80)).toBeGreaterThanOrEqual(MiB - cap);
      expect(stored).toBe(`…[${dropped} characters truncated]…\n${expected(big.slice(dropped))}`);
      return true;
    };
    // The scenario key was cut at discovery, and the result's key the same way: they name one scenario.
    expect(keptEnd(key, 4000)).toBe(true);
    const [row] = (await call('GET /api/v1/runs/:run/results', `/api/v1/runs/${run.id}/results`)).body.items as {
      status: string;
      scenario: { key: string; file: string; path: string[] };
      message: string;
      stack: string;
      stdout: string;
      stderr: string;
    }[];
    expect(row!.status).toBe('failed');
    expect(row!.scenario.key).toBe(key);
    expect(keptEnd(row!.scenario.file, 2000)).toBe(true);
    for (const text of [row!.message, row!.stack, row!.stdout, row!.stderr]) keptEnd(text, 70_000);
    const attempt = await s.proctor.server.store.db
      .selectFrom('attempts')
      .select('output')
      .where('job_id', '=', job!.job_id)
      .executeTakeFirstOrThrow();
    expect(attempt.output === expected(big)).toBe(true);
    // An error of 1 MiB (from an agent that does not cap it itself) ends the job, kept by its end.
    const failing = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/big-report/runs', {})).body;
    const [again] = await agent.claim(1);
    const errored = await agent.complete(again!, {
      outcome: 'errored',
      reason: 'crashed',
      retryable: false,
      error: big,
    });
    expect(errored.status, JSON.stringify(errored.body).slice(0, 300)).toBe(200);
    const [ended] = (await call('GET /api/v1/runs/:run/jobs', `/api/v1/runs/${failing.id}/jobs`)).body.items as {
      error: string;
    }[];
    keptEnd(ended!.error, 70_000);
    noServerErrors();
  });

  it('stores artifact names with NUL, lone surrogates, text-reordering marks and control characters safely, and serves them under that name', async () => {
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'art-env': { labels: ['hostile-art'] } },
      plans: { art: { framework: 'command', environments: ['art-env'] } },
    });
    const agent = await ProtocolAgent.register(s, ['hostile-art'], 1);
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/art/runs', {})).body;
    const [job] = await agent.claim(1);
    const body = Buffer.from('artifact bytes');
    const sha = createHash('sha256').update(body).digest('hex');
    const upload = (name: string) =>
      call(
        'PUT /api/agent/v1/jobs/:job/artifacts',
        `/api/agent/v1/jobs/${job!.job_id}/artifacts?name=${percent(name).text}&sha256=${sha}`,
        undefined,
        {
          token: agent.token,
          raw: body,
          headers: { 'x-lease-token': job!.lease_token },
        },
      );
    // What the name becomes: control characters (C0, DEL, C1) and the marks that reorder text are `_`,
    // a lone surrogate its escape; nothing else changes.
    const named: [label: string, sent: string, stored: string][] = [
      ['NUL', 'shot\0one.png', 'shot_one.png'],
      ['RTL override', 'invoice\u202Egnp.exe', 'invoice_gnp.exe'],
      [
        'bidi marks',
        'a\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u061Cb.txt',
        `a${'_'.repeat(11)}b.txt`,
      ],
      ['every C0 control and DEL', `c${C0}.txt`, `c${'_'.repeat(33)}.txt`],
      ['C1 controls', 'c\u0080\u009f.txt', 'c__.txt'],
      // A lone surrogate has no UTF-8: its bytes sent as %XX do not decode, and the name is the text as sent.
      ['lone surrogate', 'a\ud800b.png', '%61%ED%A0%80%62%2E%70%6E%67'],
      ['emoji and astral', '😀 👩‍👩‍👧 𝕏.png', '😀 👩‍👩‍👧 𝕏.png'],
      ['zero width and BOM', '\u200B\uFEFFz.txt', '\u200B\uFEFFz.txt'],
      ['an escape written out', 'literal \\u0000.txt', 'literal/u0000.txt'],
    ];
    const answers = new Map<string, { status: number; body: any }>();
    for (const [label, sent] of named) answers.set(label, await upload(sent));
    expect([...answers].map(([label, r]) => `${label} → ${r.status}`)).toEqual(
      named.map(([label]) => `${label} → 201`),
    );
    const listed = (await call('GET /api/v1/runs/:run/artifacts', `/api/v1/runs/${run.id}/artifacts`)).body.items as {
      id: number;
      name: string;
      url: string;
    }[];
    for (const [label, , stored] of named) {
      const up = answers.get(label)!.body as { id: number; name: string; url: string };
      expect(up.name, label).toBe(stored);
      expect(listed.find((a) => a.id === up.id)?.name, label).toBe(stored);
      const res = await fetch(`${s.url}${up.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      statuses.push({ what: `download ${label}`, status: res.status, body: '' });
      expect(res.status, label).toBe(200);
      expect(await res.text(), label).toBe('artifact bytes');
      const header = res.headers.get('content-disposition') ?? '';
      const utf8 = /filename\*=UTF-8''([^;]*)/.exec(header)?.[1];
      expect(utf8 === undefined ? /filename="([^"]*)"/.exec(header)?.[1] : decodeURIComponent(utf8), label).toBe(
        stored.split('/').pop(),
      );
    }
    // The whole corpus as names: each is stored as the server made it (or refused with a 4xx), read back the same, never a 5xx.
    for (const [label, v] of CORPUS) {
      const r = await upload(`${v}.bin`);
      if (r.status !== 201) {
        expect(r.status, label).toBeGreaterThanOrEqual(400);
        continue;
      }
      const again = (await call('GET /api/v1/runs/:run/artifacts', `/api/v1/runs/${run.id}/artifacts`)).body.items as {
        id: number;
        name: string;
      }[];
      expect(again.find((a) => a.id === r.body.id)?.name, label).toBe(r.body.name);
      expect(r.body.name, label).not.toMatch(
        /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/,
      );
    }
    noServerErrors();
  });

  it('stores every text field of a plan document as sent, or refuses the document, through apply and PUT', async () => {
    const plan = { framework: 'command', environments: ['doc-env'], options: { command: 'true' } };
    const gitUrl = (v: string) => `https://git.example.com/${v}.git`;
    const selection = (v: string) => ({ include: [v], exclude: [v], tags: [v], names: [v] });
    type Case = [what: string, part: Record<string, unknown>, read: (definition: any) => unknown, stored: unknown];
    /** Fields of a plan: each case alone in a plan, so one that is refused does not hide another. */
    const planCases = (v: string): Case[] => [
      [
        'the text a plan keeps',
        { description: v, workdir: v, scenarios: selection(v), options: { command: v, discover: { list: v } } },
        (d) => [d.description, d.workdir, d.scenarios, d.options],
        [expected(v), expected(v), selection(expected(v)), { command: expected(v), discover: { list: expected(v) } }],
      ],
      ['repo.url', { repo: { url: gitUrl(v), ref: 'main' } }, (d) => d.repo?.url, expected(gitUrl(v))],
      ['repo.ref', { repo: { url: gitUrl('app'), ref: v } }, (d) => d.repo?.ref, expected(v)],
      ['a repo as one string', { repo: gitUrl(v) }, (d) => d.repo?.url, expected(gitUrl(v))],
      ['environments', { environments: [v] }, (d) => d.environments, [expected(v)]],
      ['timeout', { timeout: v }, (d) => d.timeout, expected(v)],
      ['run_timeout', { run_timeout: v }, (d) => d.run_timeout, expected(v)],
      [
        'an option name',
        { options: { command: 'true', [v]: 'x' } },
        (d) => Object.keys(d.options),
        ['command', expected(v)],
      ],
      ['a profile name', { profiles: { [v]: { retries: 1 } } }, (d) => Object.keys(d.profiles ?? {}), [expected(v)]],
      [
        "a profile's selection",
        { profiles: { fast: { scenarios: selection(v) } } },
        (d) => d.profiles?.fast?.scenarios,
        selection(expected(v)),
      ],
      [
        "a profile's environments",
        { profiles: { fast: { environments: [v] } } },
        (d) => d.profiles?.fast?.environments,
        [expected(v)],
      ],
      [
        "a profile's timeouts",
        { profiles: { fast: { timeout: v, run_timeout: v } } },
        (d) => d.profiles?.fast?.timeout,
        expected(v),
      ],
    ];
    /** Fields of an environment. */
    const envCases = (v: string): Case[] => [
      ['a variable name', { variables: { [v]: 'x' } }, (d) => Object.keys(d.variables), [expected(v)]],
      ['a secret name', { variables: { [v]: 'x', OTHER: 'y' }, secrets: [v] }, (d) => d.secrets, [expected(v)]],
      ['a secret that is no variable', { variables: { OTHER: 'y' }, secrets: [v] }, (d) => d.secrets, [expected(v)]],
      [
        'labels and a value',
        { labels: [v], variables: { TEXT: v } },
        (d) => [d.labels, d.variables.TEXT],
        [[expected(v)], expected(v)],
      ],
    ];
    /** A document answered: refused whole with a 400, or stored, and then what is read back is what was sent. */
    const judge = async (
      label: string,
      what: string,
      r: { status: number; body: any },
      read: () => Promise<unknown>,
      stored: unknown,
    ) => {
      if (r.status === 200) expect(await read(), `${label}: ${what}`).toEqual(stored);
      else expect(r.status, `${label}: ${what}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(400);
    };
    await call('POST /api/v1/apply', '/api/v1/apply', { environments: { 'doc-env': { labels: ['doc'] } }, plans: {} });
    // The corpus, then 1 MiB: a plan document has no limit of its own but the body's.
    for (const [i, [label, v]] of [...CORPUS, [BIG, BIG_TEXT] as [string, string]].entries()) {
      for (const [n, [what, part, read, stored]] of planCases(v).entries()) {
        const name = `doc-${i}-${n}`;
        const applied = await call('POST /api/v1/apply', '/api/v1/apply', { plans: { [name]: { ...plan, ...part } } });
        const get = async () => read((await call('GET /api/v1/plans/:plan', `/api/v1/plans/${name}`)).body.definition);
        await judge(label, `apply ${what}`, applied, get, stored);
        const put = await call('PUT /api/v1/plans/:plan', `/api/v1/plans/put-${name}`, { ...plan, ...part });
        await judge(label, `PUT ${what}`, put, async () => read(put.body.definition), stored);
      }
      for (const [n, [what, part, read, stored]] of envCases(v).entries()) {
        const name = `doc-env-${i}-${n}`;
        const applied = await call('POST /api/v1/apply', '/api/v1/apply', { environments: { [name]: part } });
        const get = async () =>
          read((await call('GET /api/v1/environments/:environment', `/api/v1/environments/${name}`)).body.definition);
        await judge(label, `apply ${what}`, applied, get, stored);
        const put = await call('PUT /api/v1/environments/:environment', `/api/v1/environments/put-${name}`, part);
        await judge(label, `PUT ${what}`, put, async () => read(put.body.definition), stored);
      }
      // Names of the file's plans and environments, and its project: names, refused unless they are one.
      for (const doc of [{ plans: { [v]: plan } }, { environments: { [v]: {} } }, { project: v, plans: {} }]) {
        const r = await call('POST /api/v1/apply', '/api/v1/apply', doc);
        expect(r.status, `${label}: ${JSON.stringify(doc).slice(0, 80)}`).toBe(400);
      }
    }
    noServerErrors();
  }, 300_000);

  it('answers filters and project names in query strings that name nothing with a 4xx or nothing found', async () => {
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'filter-env': { labels: ['filter'] } },
      plans: { filter: { framework: 'command', environments: ['filter-env'] } },
    });
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/filter/runs', {})).body;
    for (const [label, v] of CORPUS) {
      const p = percent(v).text;
      // Values that are never valid (statuses, dates, cursors, projects that cannot exist): a 4xx.
      for (const [route, path] of [
        ['GET /api/v1/runs', `/api/v1/runs?status=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?result=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?source=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?created_from=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?created_before=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?cursor=${p}`],
        ['GET /api/v1/runs/:run/results', `/api/v1/runs/${run.id}/results?status=${p}`],
        ['GET /api/v1/runs/:run/results', `/api/v1/runs/${run.id}/results?cursor=${p}`],
        ['GET /api/v1/app-builds', `/api/v1/app-builds?cursor=${p}`],
        ['GET /api/v1/plans/:plan/history', `/api/v1/plans/filter/history?project=${p}`],
      ] as const) {
        const r = await call(route, path);
        expect(r.status, `${label}: ${path}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      }
      const upload = await call(
        'POST /api/v1/app-builds',
        `/api/v1/app-builds?project=${p}&name=app&version=1`,
        undefined,
        {
          raw: Buffer.from('app'),
        },
      );
      expect(upload.status, label).toBeGreaterThanOrEqual(400);
      const byUrl = await call('POST /api/v1/app-builds', `/api/v1/app-builds?project=${p}&name=app&version=1`, {
        url: 'https://builds.example.com/app.apk',
      });
      expect(byUrl.status, label).toBeGreaterThanOrEqual(400);
      // Writes that name a project make it, if it exists not: its name is refused first.
      for (const [route, path, body] of [
        [
          'PUT /api/v1/plans/:plan',
          `/api/v1/plans/filter?project=${p}`,
          { framework: 'command', environments: ['filter-env'] },
        ],
        ['DELETE /api/v1/plans/:plan', `/api/v1/plans/filter?project=${p}`, undefined],
        ['POST /api/v1/plans/:plan/runs', `/api/v1/plans/filter/runs?project=${p}`, {}],
        [
          'PUT /api/v1/environments/:environment',
          `/api/v1/environments/filter-env?project=${p}`,
          { labels: ['filter'] },
        ],
        ['DELETE /api/v1/environments/:environment', `/api/v1/environments/filter-env?project=${p}`, undefined],
        ['POST /api/v1/webhooks', `/api/v1/webhooks?project=${p}`, { url: 'https://hooks.example.com/in' }],
      ] as const) {
        const r = await call(route, path, body);
        expect(r.status, `${label}: ${route}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      }
      // Filters that find nothing: an empty list, or a 4xx.
      for (const [route, path] of [
        ['GET /api/v1/webhooks', `/api/v1/webhooks?project=${p}`],
        ['GET /api/v1/app-builds', `/api/v1/app-builds?project=${p}`],
        ['GET /api/v1/app-builds', `/api/v1/app-builds?name=${p}`],
        ['GET /api/v1/runs', `/api/v1/runs?plan=filter&project=${p}`],
        ['GET /api/v1/runs/:run/results', `/api/v1/runs/${run.id}/results?environment=${p}`],
      ] as const) {
        const r = await call(route, path);
        if (r.status === 200) expect(r.body.items, `${label}: ${path}`).toEqual([]);
        else expect(r.status, `${label}: ${path}`).toBeGreaterThanOrEqual(400);
      }
    }
    // The plan and its environment are still there, and no project was made.
    expect((await call('GET /api/v1/plans/:plan', '/api/v1/plans/filter')).status).toBe(200);
    expect((await call('GET /api/v1/environments/:environment', '/api/v1/environments/filter-env')).status).toBe(200);
    expect(
      ((await call('GET /api/v1/projects', '/api/v1/projects')).body.items as { name: string }[]).map((x) => x.name),
    ).toEqual(['default']);
    noServerErrors();
  });

  it('stores callback URLs from a trigger and from Testinium as sent, or refuses them', async () => {
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'callback-env': { labels: ['callback'] } },
      plans: { callback: { framework: 'command', environments: ['callback-env'], concurrency: 'allow' } },
    });
    const planId = (await call('GET /api/v1/plans/:plan', '/api/v1/plans/callback')).body.id as number;
    const stored = async (runId: number) =>
      (await call('GET /api/v1/runs/:run', `/api/v1/runs/${runId}`)).body.trigger.callback_url as string | null;
    for (const [label, v] of CORPUS) {
      const url = `https://ci.example.com/${v}`;
      const native = await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/callback/runs', { callback_url: url });
      if (native.status === 202) expect(await stored(native.body.id), label).toBe(expected(url));
      else expect(native.status, `${label}: ${JSON.stringify(native.body).slice(0, 200)}`).toBe(400);
      const q = percent(url);
      for (const [route, path, body] of [
        [
          'GET /Testinium.RestApi/api/plans/:plan/run',
          `/Testinium.RestApi/api/plans/${planId}/run?callbackUrl=${q.text}`,
          undefined,
        ],
        [
          'POST /Testinium.RestApi/api/plans/:plan/run',
          `/Testinium.RestApi/api/plans/${planId}/run`,
          { callbackUrl: url },
        ],
        [
          'GET /Testinium.RestApi/api/plans/:plan/run/:forceRun',
          `/Testinium.RestApi/api/plans/${planId}/run/true?callbackUrl=${q.text}`,
          undefined,
        ],
        [
          'POST /Testinium.RestApi/api/plans/:plan/run/:forceRun',
          `/Testinium.RestApi/api/plans/${planId}/run/true`,
          { callbackUrl: url },
        ],
        [
          'GET /Testinium.RestApi/api/plans/:plan/run/company/:companyId',
          `/Testinium.RestApi/api/plans/${planId}/run/company/1?callbackUrl=${q.text}`,
          undefined,
        ],
        [
          'POST /Testinium.RestApi/api/plans/:plan/run/company/:companyId',
          `/Testinium.RestApi/api/plans/${planId}/run/company/1`,
          { callbackUrl: url },
        ],
        // `curl --data-urlencode` aside, a POST may carry it in its query too.
        [
          'POST /Testinium.RestApi/api/plans/:plan/run',
          `/Testinium.RestApi/api/plans/${planId}/run?callbackUrl=${q.text}`,
          {},
        ],
        [
          'POST /Testinium.RestApi/api/plans/:plan/run/:forceRun',
          `/Testinium.RestApi/api/plans/${planId}/run/true?callbackUrl=${q.text}`,
          {},
        ],
        [
          'POST /Testinium.RestApi/api/plans/:plan/run/company/:companyId',
          `/Testinium.RestApi/api/plans/${planId}/run/company/1?callbackUrl=${q.text}`,
          {},
        ],
      ] as const) {
        const r = await call(route, path, body);
        const runId = r.body?.execution_id ?? r.body?.data?.execution_id;
        expect(r.status, `${label}: ${route}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeLessThan(500);
        // A lone surrogate in a query string is not UTF-8: what the server made of it is not the text sent.
        if (r.status < 300 && typeof runId === 'number' && (q.encodable || !path.includes('callbackUrl=')))
          expect(await stored(runId), `${label}: ${route}`).toBe(expected(url));
      }
    }
    noServerErrors();
  });

  it('takes every hostile string in the path parameters of every route and the query of every read, never a 5xx', async () => {
    // Something real for each parameter the string is not in, so the string is what the route judges.
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'sweep-env': { labels: ['sweep'] } },
      plans: { sweep: { framework: 'command', environments: ['sweep-env'] } },
    });
    const run = (await call('POST /api/v1/plans/:plan/runs', '/api/v1/plans/sweep/runs', {})).body;
    const [job] = (await call('GET /api/v1/runs/:run/jobs', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
    }[];
    const hook = (
      await call('POST /api/v1/webhooks', '/api/v1/webhooks?project=default', { url: 'https://hooks.example.com/in' })
    ).body.webhook;
    const valid: Record<string, string> = {
      run: String(run.id),
      runId: String(run.id),
      execId: String(run.id),
      job: String(job!.id),
      plan: 'sweep',
      environment: 'sweep-env',
      webhook: String(hook.id),
      project: 'default',
      page: '1',
      forceRun: 'false',
      '*': 'index.html',
    };
    // A write gets no body here: a string in its path must be judged (an id, a name) before anything
    // is written, and the explicit tests above send the writes their bodies.
    for (const route of routes) {
      const fields = textFields(route).filter(
        (f) =>
          f.startsWith('params.') || (route.method === 'GET' && f.startsWith('query.') && !WRITES_ON_GET.has(route.id)),
      );
      for (const field of fields) {
        for (const [label, v] of CORPUS) {
          const text = percent(v).text;
          const segments = route.url.split('/').map((seg) => {
            const name = seg === '*' ? '*' : seg.startsWith(':') ? seg.slice(1) : null;
            if (name === null) return seg;
            return field === `params.${name}` ? text : (valid[name] ?? '1');
          });
          const path =
            segments.join('/') + (field.startsWith('query.') ? `?${field.slice('query.'.length)}=${text}` : '');
          record(route.method, path, undefined);
          const res = await fetch(`${s.url}${path}`, {
            method: route.method,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
            signal: AbortSignal.timeout(10_000),
          });
          statuses.push({
            what: `${route.id} ${field} (${label})`,
            status: res.status,
            body: res.status >= 500 ? await res.text() : '',
          });
          await res.body?.cancel();
        }
      }
    }
    noServerErrors();
  });

  it('takes the corpus in the fields of vendor bodies that are refused or ignored, never a 5xx', async () => {
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'vendor-env': { labels: ['vendor'] } },
      plans: { vendor: { framework: 'command', environments: ['vendor-env'], concurrency: 'allow' } },
    });
    const plan = (await call('GET /api/v1/plans/:plan', '/api/v1/plans/vendor')).body as { id: number; uuid?: string };
    const uuid = plan.uuid ?? '00000000-0000-4000-8000-000000000000';
    for (const [label, v] of CORPUS) {
      for (const [route, path, body] of [
        ['POST /api/v1/execution_results', '/api/v1/execution_results', { executionId: plan.id, executionConfig: v }],
        [
          'POST /api/v1/test_plan_results',
          '/api/v1/test_plan_results',
          { testPlanId: plan.id, executionConfig: { [v]: v } },
        ],
        [
          'POST /api/v1/test_plan_results',
          '/api/v1/test_plan_results',
          { testPlanId: plan.id, uploadVersions: { [v]: 1 } },
        ],
        [
          'POST /api/v1/test_plan_results',
          '/api/v1/test_plan_results',
          { testPlanId: plan.id, runtimeData: { [v]: v } },
        ],
        ['POST /queue', '/queue', { planId: plan.id, userId: 1, frameworkType: v }],
        ['POST /queue/rerun', '/queue/rerun', { planId: plan.id, userId: 1, frameworkType: [v] }],
        [
          'POST /Testinium.RestApi/oauth/token',
          '/Testinium.RestApi/oauth/token',
          { grant_type: 'refresh_token', refresh_token: v },
        ],
        ['POST /Testinium.RestApi/oauth/token', '/Testinium.RestApi/oauth/token', { grant_type: v }],
        ['POST /v1/tests/:testId/runs', `/v1/tests/${uuid}/runs`, { appId: v }],
        ['POST /api/v1/tests/:testId/runs', `/api/v1/tests/${uuid}/runs`, { appId: v }],
      ] as const) {
        const r = await call(route, path, body);
        expect(r.status, `${label}: ${route}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeLessThan(500);
      }
    }
    noServerErrors();
  });

  it("takes the corpus in TesterArmy's group triggers and uploads and Testsigma's executionResultId: the commit stored as the run's build, or a 4xx", async () => {
    await call('POST /api/v1/apply', '/api/v1/apply', {
      environments: { 'vendor-env': { labels: ['vendor'] } },
      plans: { vendor: { framework: 'command', environments: ['vendor-env'], concurrency: 'allow' } },
    });
    const plan = (await call('GET /api/v1/plans/:plan', '/api/v1/plans/vendor')).body as { id: number; uuid: string };
    for (const [label, v] of CORPUS) {
      const want = expected(`c ${v}`);
      for (const prefix of ['/v1', '/api/v1']) {
        // What TesterArmy's CI sends: the commit becomes the run's build; the other fields are ignored.
        const ignored = { targetUrl: v, environment: v, projectEnvironmentId: v, deviceModel: v };
        for (const [route, path] of [
          [`POST ${prefix}/groups/webhook/:webhookId/:secret`, `${prefix}/groups/webhook/${plan.uuid}/${ADMIN_TOKEN}`],
          [`POST ${prefix}/groups/:groupId/runs`, `${prefix}/groups/${plan.uuid}/runs`],
        ] as const) {
          const run = await call(route, path, { commitSha: `c ${v}`, ...ignored });
          expect(run.status, `${label}: ${route}: ${JSON.stringify(run.body).slice(0, 200)}`).toBeLessThan(500);
          if (run.status === 202) {
            const stored = (await call('GET /api/v1/runs/:run', `/api/v1/runs/${run.body.runIds[0]}`)).body;
            expect(stored.trigger.build, `${label}: ${route}`).toBe(want);
          } else expect(run.status, `${label}: ${route}`).toBe(400);
          // An app named by anything but a build's id is refused in TesterArmy's shape.
          const app = await call(route, path, {
            commitSha: 'c',
            mobile: { appId: v, bundleId: v, artifactUrl: v, artifactFilename: v, buildId: v },
          });
          expect(app.status, `${label}: ${route}: ${JSON.stringify(app.body).slice(0, 200)}`).toBeGreaterThanOrEqual(
            400,
          );
          expect(app.status, label).toBeLessThan(500);
        }
        const upload = await call(
          `POST ${prefix}/projects/:projectId/mobile/upload`,
          `${prefix}/projects/default/mobile/upload`,
          {
            filename: `${v}.apk`,
            fileSize: 3,
          },
        );
        expect(upload.status, `${label}: ${JSON.stringify(upload.body).slice(0, 200)}`).toBeLessThan(500);
        const confirm = await call(
          `POST ${prefix}/projects/:projectId/mobile/upload/confirm`,
          `${prefix}/projects/default/mobile/upload/confirm`,
          { storageKey: v, filename: v, fileSize: 3 },
        );
        expect(confirm.status, `${label}: ${JSON.stringify(confirm.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(confirm.status, label).toBeLessThan(500);
      }
      // Testsigma's rerun of a run named by its id or UUID: anything else is a 4xx naming the field.
      for (const route of ['POST /api/v1/execution_results', 'POST /api/v1/test_plan_results'] as const) {
        const path = route.slice('POST '.length);
        const r = await call(route, path, { executionId: plan.id, testPlanId: plan.id, executionResultId: v });
        expect(r.status, `${label}: ${route}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, label).toBeLessThan(500);
      }
    }
    // 1 MiB as the app: refused by its own limit or as no build's id, never a 5xx.
    for (const prefix of ['/v1', '/api/v1'])
      for (const [route, path] of [
        [`POST ${prefix}/groups/webhook/:webhookId/:secret`, `${prefix}/groups/webhook/${plan.uuid}/${ADMIN_TOKEN}`],
        [`POST ${prefix}/groups/:groupId/runs`, `${prefix}/groups/${plan.uuid}/runs`],
      ] as const) {
        const big = await call(route, path, { commitSha: 'c', mobile: { appId: 'a'.repeat(MiB) } });
        expect(big.status, route).toBeGreaterThanOrEqual(400);
        expect(big.status, route).toBeLessThan(500);
      }
    noServerErrors();
  });

  it('knows the text fields of a plan document: the shapes name every key the validator reads', () => {
    const keys = (shape: { properties: object }) => Object.keys(shape.properties).sort();
    expect(keys(PLAN_FILE_SHAPE)).toEqual([...FILE_KEYS].sort());
    expect(keys(ENVIRONMENT_SHAPE)).toEqual([...ENV_KEYS].sort());
    expect(keys(PLAN_SHAPE)).toEqual([...PLAN_KEYS].sort());
    expect(keys(PROFILE_SHAPE)).toEqual([...PROFILE_KEYS].sort());
    expect(keys(PLAN_SHAPE.properties.scenarios)).toEqual([...SELECTION_KEYS].sort());
  });

  it('sends every string of the corpus through every text field of every route', () => {
    const fields = new Set<string>();
    const missing: string[] = [];
    for (const route of routes) {
      for (const [field, limit] of textFieldLimits(route, DOCUMENT_BODIES[route.id])) {
        const key = `${route.id} ${field}`;
        fields.add(key);
        if (NOT_SENT.has(key)) continue;
        const labels = sent.get(key) ?? new Set();
        // 1 MiB where it can arrive: in a body (a URL over 16 KiB is refused before any route, the
        // 1 MiB test shows it once), in a field whose schema does not refuse it first.
        const big = field.startsWith('body') && limit >= MiB && !NOT_BIG.has(key);
        const wanted = [...CORPUS.map(([label]) => label), ...(big ? [BIG] : [])];
        const lacking = wanted.filter((label) => !labels.has(label));
        if (lacking.length === wanted.length) missing.push(`${key}: none`);
        else if (lacking.length > 0) missing.push(`${key}: not ${lacking.join(', ')}`);
      }
    }
    expect(missing, 'text fields not sent the corpus here (or listed in NOT_SENT with the reason)').toEqual([]);
    expect(
      [...NOT_SENT.keys(), ...NOT_BIG.keys()].filter((key) => !fields.has(key)),
      'NOT_SENT entries that name no text field of a route',
    ).toEqual([]);
  });
});
