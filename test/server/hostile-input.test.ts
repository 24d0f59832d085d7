import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

/**
 * Every route that takes a body, with a concrete URL and whether agents or users call it. `vendor`
 * routes answer errors in their vendor's shape (still a 4xx, never `{ error: { code } }`).
 */
const BODY_ROUTES: { method: string; url: string; agent?: boolean; limit?: number; vendor?: true }[] = [
  { method: 'POST', url: '/api/v1/keys' },
  { method: 'POST', url: '/api/v1/webhooks' },
  { method: 'POST', url: '/api/v1/apply' },
  { method: 'PUT', url: '/api/v1/plans/fresh-plan' },
  { method: 'POST', url: '/api/v1/plans/target/runs' },
  { method: 'PUT', url: '/api/v1/environments/fresh-env' },
  { method: 'POST', url: '/api/agent/v1/register' },
  { method: 'POST', url: '/api/agent/v1/claim', agent: true },
  { method: 'POST', url: '/api/agent/v1/heartbeat', agent: true },
  { method: 'POST', url: '/api/agent/v1/jobs/1/complete', agent: true, limit: 64 * 1024 * 1024 },
  { method: 'POST', url: '/api/v1/runs/1/rerun' },
  { method: 'POST', url: '/api/v1/app-builds?name=app&version=1' },
  { method: 'POST', url: '/queue', vendor: true },
  { method: 'POST', url: '/queue/rerun', vendor: true },
  { method: 'POST', url: '/v1/tests/00000000-0000-4000-8000-000000000000/runs', vendor: true },
  { method: 'POST', url: '/api/v1/execution_results', vendor: true },
  { method: 'POST', url: '/api/v1/test_plan_results', vendor: true },
  { method: 'POST', url: '/api/v1/tests/00000000-0000-4000-8000-000000000000/runs', vendor: true },
  { method: 'POST', url: '/Testinium.RestApi/oauth/token', vendor: true },
  { method: 'POST', url: '/Testinium.RestApi/api/plans/999999/run', vendor: true },
  { method: 'POST', url: '/Testinium.RestApi/api/plans/999999/rerun', vendor: true },
];

const TABLES = [
  'projects',
  'users',
  'api_keys',
  'environments',
  'plans',
  'scenarios',
  'runs',
  'jobs',
  'attempts',
  'results',
  'agents',
  'webhook_endpoints',
  'webhook_events',
  'app_builds',
] as const;

function nested(depth: number): string {
  return `{"a":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
}

describeEachDialect('hostile input', (dialect) => {
  let s: TestServer;
  let agentToken: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  target:\n    framework: command\n    environments: [e]\n',
    );
    agentToken = (await s.api('POST', '/api/agent/v1/register', { name: 'h', labels: [], slots: 1 })).body.token;
  });
  afterAll(() => s?.close());

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const r = await s.proctor.server.store.db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }

  async function send(method: string, url: string, body: string | Buffer, token: string, type = 'application/json') {
    const res = await fetch(`${s.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    const text = await res.text();
    return { status: res.status, text };
  }

  it('answers malformed, mistyped, oversized, deeply nested and prototype-polluting bodies with a 4xx and stores nothing', async () => {
    const before = await counts();
    const cases: [string, string | Buffer, string?][] = [
      ['truncated JSON', '{"name": '],
      ['not JSON at all', 'hello'],
      ['empty body', ''],
      ['a number', '42'],
      ['a string', '"text"'],
      ['a list', '[1,2,3]'],
      ['null', 'null'],
      [
        'wrong field types',
        '{"name": 5, "authorities": "ADMIN", "labels": {}, "slots": "many", "free_slots": -1, "jobs": "x", "lease_token": 1, "outcome": 7, "environments": "all", "framework": 3}',
      ],
      ['__proto__ key', '{"__proto__": {"isAdmin": true}, "name": "x"}'],
      ['nested __proto__', '{"parameters": {"__proto__": {"polluted": "yes"}}}'],
      ['constructor.prototype', '{"constructor": {"prototype": {"polluted": "yes"}}}'],
      ['deep nesting', nested(5000)],
      ['very deep nesting', nested(100_000)],
      ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b])],
      ['xml', '<a/>', 'application/xml'],
    ];
    for (const route of BODY_ROUTES) {
      const token = route.agent ? agentToken : ADMIN_TOKEN;
      for (const [name, body, type] of cases) {
        const r = await send(route.method, route.url, body, token, type);
        expect(r.status, `${route.method} ${route.url}: ${name} → ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${route.method} ${route.url}: ${name} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
        if (route.vendor) expect(JSON.parse(r.text).error?.code, `${route.url}: ${name}`).toBeUndefined();
        else expect(JSON.parse(r.text).error.code, `${route.url}: ${name}`).toMatch(/^[A-Z_]+$/);
      }
      const big = Buffer.alloc((route.limit ?? 1024 * 1024) + 1024, 'a');
      const r = await send(
        route.method,
        route.url,
        Buffer.concat([Buffer.from('{"name":"'), big, Buffer.from('"}')]),
        token,
      );
      expect(r.status, `${route.url}: oversized`).toBe(413);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await counts()).toEqual(before);
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
  });

  it('refuses hostile YAML: alias bombs, deep nesting, duplicate keys', async () => {
    const before = await counts();
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const yamls = [
      bomb.join('\n'),
      `plans: ${'['.repeat(3000)}${']'.repeat(3000)}`,
      'plans:\n  p: { framework: command }\n  p: { framework: command }\n',
      'environments: !!js/function "function(){}"\n',
    ];
    for (const y of yamls) {
      const r = await send('POST', '/api/v1/apply', y, ADMIN_TOKEN, 'application/yaml');
      expect(r.status, r.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
      expect(r.status, r.text.slice(0, 200)).toBeLessThan(500);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers bad query strings and path parameters with a 400 naming them', async () => {
    for (const path of [
      '/api/v1/runs?limit=0',
      '/api/v1/runs?limit=abc',
      '/api/v1/runs?unknown=1',
      '/api/v1/runs/1e9',
      '/api/v1/runs/-1/results',
      '/api/v1/runs/1/results?limit=100000',
      `/api/v1/plans/${'x'.repeat(5000)}`,
      '/api/v1/runs/%E0%A4%A',
    ]) {
      const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
  });
});
